from csp.decorators import csp_exempt
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from accounts.api import AccountApi, PayrollImportApi
from catalogue import api as catalogue_api
from claims import api as claims_api
from enrollment import api as enrollment_api
from family_sharing import api as sharing_api
from gateway.api import HsaGatewayApi
from jobs.api import JobCreateApi, JobDetailApi
from policies.api import (
    PolicyDraftApi,
    PolicyDraftPublishApi,
    PolicyDraftsApi,
    PolicyInForceApi,
    PolicySchemaApi,
    PolicyVersionsApi,
    RegionListApi,
)
from staff.api import (
    ReviewApproveApi,
    ReviewDetailApi,
    ReviewListApi,
    ReviewRejectApi,
    ReviewWithdrawApi,
    TokenObtainApi,
)

# The claims first: Django tries the patterns in order, and institutions' claims are most of
# the traffic (none of these patterns overlaps another, so the order changes nothing else).
api_v1 = [
    path("claims/", claims_api.ClaimCreateListApi.as_view(), name="claims"),
    path("claims/preview/", claims_api.ClaimPreviewApi.as_view(), name="claims-preview"),
    path("claims/<int:settlement_id>/", claims_api.ClaimDetailApi.as_view(), name="claim"),
    path("claims/<int:settlement_id>/reverse/", claims_api.ClaimReverseApi.as_view()),
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("jobs/", JobCreateApi.as_view(), name="jobs"),
    path("jobs/<int:job_id>/", JobDetailApi.as_view(), name="job-detail"),
    path("regions/", RegionListApi.as_view(), name="regions"),
    path("regions/<str:code>/policy/", PolicyInForceApi.as_view(), name="region-policy"),
    path("regions/<str:code>/policies/", PolicyVersionsApi.as_view(), name="region-policies"),
    path("regions/<str:code>/drafts/", PolicyDraftsApi.as_view(), name="region-drafts"),
    path(
        "regions/<str:code>/drafts/<int:draft_id>/",
        PolicyDraftApi.as_view(),
        name="region-draft",
    ),
    path(
        "regions/<str:code>/drafts/<int:draft_id>/publish/",
        PolicyDraftPublishApi.as_view(),
        name="region-draft-publish",
    ),
    path("policy-schema/", PolicySchemaApi.as_view(), name="policy-schema"),
    path("reviews/", ReviewListApi.as_view(), name="reviews"),
    path("reviews/<int:review_id>/", ReviewDetailApi.as_view(), name="review"),
    path("reviews/<int:review_id>/approve/", ReviewApproveApi.as_view(), name="review-approve"),
    path("reviews/<int:review_id>/reject/", ReviewRejectApi.as_view(), name="review-reject"),
    path("reviews/<int:review_id>/withdraw/", ReviewWithdrawApi.as_view(), name="review-withdraw"),
    path("employers/", enrollment_api.EmployerListCreateApi.as_view(), name="employers"),
    path("employers/<int:employer_id>/", enrollment_api.EmployerDetailApi.as_view()),
    path("institutions/", enrollment_api.InstitutionListCreateApi.as_view(), name="institutions"),
    path("institutions/<int:institution_id>/", enrollment_api.InstitutionDetailApi.as_view()),
    path("persons/", enrollment_api.PersonListCreateApi.as_view(), name="persons"),
    path("persons/lookup/", claims_api.PersonLookupApi.as_view(), name="person-lookup"),
    path("persons/<int:person_id>/", enrollment_api.PersonDetailApi.as_view(), name="person"),
    path("persons/<int:person_id>/account/", AccountApi.as_view(), name="person-account"),
    path("imports/payroll/", PayrollImportApi.as_view(), name="payroll-import"),
    path("imports/catalogue/", catalogue_api.CatalogueImportApi.as_view(), name="catalogue-import"),
    path("catalogue/", catalogue_api.CatalogueListApi.as_view(), name="catalogue"),
    path("family-sharing/", sharing_api.AuthorisationListCreateApi.as_view(), name="sharing"),
    path("family-sharing/<int:authorisation_id>/", sharing_api.AuthorisationDetailApi.as_view()),
    path(
        "family-sharing/<int:authorisation_id>/revoke/",
        sharing_api.AuthorisationRevokeApi.as_view(),
    ),
    path(
        "family-sharing/<int:authorisation_id>/premium-payments/",
        sharing_api.PremiumPaymentApi.as_view(),
    ),
    path("chronic-certifications/", claims_api.CertificationListCreateApi.as_view()),
    path(
        "chronic-certifications/<int:certification_id>/approve/",
        claims_api.CertificationApproveApi.as_view(),
    ),
    path(
        "chronic-certifications/<int:certification_id>/reject/",
        claims_api.CertificationRejectApi.as_view(),
    ),
    path(
        "chronic-certifications/<int:certification_id>/revoke/",
        claims_api.CertificationRevokeApi.as_view(),
    ),
    path(
        "persons/<int:person_id>/inpatient-stays/",
        enrollment_api.InpatientStayListCreateApi.as_view(),
        name="person-stays",
    ),
    path(
        "persons/<int:person_id>/inpatient-stays/<int:stay_id>/",
        enrollment_api.InpatientStayDetailApi.as_view(),
    ),
    path(
        "persons/<int:person_id>/out-of-region-filings/",
        enrollment_api.FilingListCreateApi.as_view(),
        name="person-filings",
    ),
    path(
        "persons/<int:person_id>/out-of-region-filings/<int:filing_id>/end/",
        enrollment_api.FilingEndApi.as_view(),
    ),
    path(
        "persons/<int:person_id>/inpatient-totals/<int:year>/",
        claims_api.InpatientTotalApi.as_view(),
        name="person-inpatient-total",
    ),
    # The API's schema and its documentation are for its users, signed in (a session, or an
    # institution's token): anonymous visitors reach the login and the policy JSON Schema only.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path(
        "docs/",
        # Swagger UI's page bootstraps itself with an inline script.
        csp_exempt()(
            SpectacularSwaggerView.as_view(
                url_name="api-schema", permission_classes=[IsAuthenticated]
            )
        ),
        name="api-docs",
    ),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/hsa/", HsaGatewayApi.as_view(), name="hsa-gateway"),
    path("", include("staff.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jobs/", include("jobs.urls")),
    path("policies/", include("policies.urls")),
    path("enrollment/", include("enrollment.urls")),
    path("accounts/", include("accounts.urls")),
    path("claims/", include("claims.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("family-sharing/", include("family_sharing.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("replay/", include("replay.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "staff.api_errors.api_not_found"
handler400 = "staff.api_errors.api_bad_request"
