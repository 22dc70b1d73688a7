"""Who may do what: every route and method of the site and the API, and the roles it admits.

This is the contract the permission test walks (``tests/security/test_permission_matrix.py``):
for every route in the URLconf and every role, plus anonymous visitors, the response must allow
exactly the roles listed here (a route missing from this table fails the test too). A role
"reaches" an operation when it is not refused with 401/403 (or sent to the login page); what
it may then do with a given object is the view's business (an institution settles and reads
only its own claims; a job kind names the roles that may start it).

Rules the table keeps, checked by the test as well: auditors read everything and write
nothing; institution clients reach only ``INSTITUTION_REACHES`` (the claims API, the person
lookup, the certifications of their own patients, their own jobs and public reference data:
regions, policies, designated institutions), never a person list, a ledger or an inpatient
stay; policy administrators read nothing of a person (``PEOPLE``); anonymous visitors reach
only the login, the language switch, the token endpoint and the policy documents' JSON Schema
(the API's schema and docs are for signed-in users). The walk signs the institution role in
as a user linked to an institution, as real API clients are.
The admin (``/admin/``) is left to Django's staff and superuser checks.
"""

from .roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN

ANONYMOUS = "anonymous"
ACTORS = (CLERK, MANAGER, AUDITOR, INSTITUTION, POLICY_ADMIN, ANONYMOUS)

EVERYONE = ACTORS
SIGNED_IN = (CLERK, MANAGER, AUDITOR, INSTITUTION, POLICY_ADMIN)
BUREAU = (CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
BUREAU_WRITERS = (CLERK, MANAGER, POLICY_ADMIN)
# Insured persons' data (persons, accounts, stays, filings, settlements, certifications): the
# roles whose work is about people. Policy administrators publish policies and read replays'
# aggregates; nothing of a person is their work (个人信息保护法 第二十八条).
PEOPLE = (CLERK, MANAGER, AUDITOR)
PEOPLE_POSTS = (CLERK, MANAGER)  # a page's POST that changes nothing (a filter, an export)

MATRIX: dict[str, tuple[str, ...]] = {
    "GET ": SIGNED_IN,
    "POST ": (),  # not served: 405
    "GET accounts/login/": EVERYONE,
    "POST accounts/login/": EVERYONE,
    "PUT accounts/login/": EVERYONE,
    "GET accounts/logout/": (),  # not served: 405
    "POST accounts/logout/": (),  # logs out, then the login page (the walk counts it refused)
    "GET audit/": (AUDITOR,),
    "POST audit/": (),  # not served: 405
    # Two-person review (经办/复核): the queue and a request's page; who may decide which kind
    # is the view's business (staff.reviews: not the requester, the act's reviewer roles).
    "GET reviews/": BUREAU,
    "POST reviews/": (),  # not served: 405
    "GET reviews/<int:review_id>/": BUREAU,
    "POST reviews/<int:review_id>/": BUREAU_WRITERS,
    "GET i18n/setlang/": EVERYONE,
    "POST i18n/setlang/": EVERYONE,
    "GET jobs/": SIGNED_IN,
    "POST jobs/": (),  # not served: 405
    "GET jobs/selfcheck/": (),  # not served: 405
    "POST jobs/selfcheck/": BUREAU_WRITERS,
    "GET jobs/<int:job_id>/": SIGNED_IN,
    "POST jobs/<int:job_id>/": (),  # not served: 405
    "GET jobs/<int:job_id>/progress/": SIGNED_IN,
    "POST jobs/<int:job_id>/progress/": (),  # not served: 405
    "GET policies/": SIGNED_IN,
    "POST policies/": (),  # not served: 405
    "GET policies/schema/": SIGNED_IN,
    "POST policies/schema/": (),  # not served: 405
    "GET policies/new/": (POLICY_ADMIN,),
    "POST policies/new/": (POLICY_ADMIN,),
    "GET policies/<str:code>/": SIGNED_IN,
    "POST policies/<str:code>/": (),  # not served: 405
    "GET policies/<str:code>/publish/": (POLICY_ADMIN,),
    "POST policies/<str:code>/publish/": (POLICY_ADMIN,),
    "GET policies/<str:code>/drafts/<int:draft_id>/delete/": (),  # not served: 405
    "POST policies/<str:code>/drafts/<int:draft_id>/delete/": (POLICY_ADMIN,),
    "GET enrollment/persons/": PEOPLE,
    "GET enrollment/places/<str:code>/": BUREAU,
    "POST enrollment/places/<str:code>/": (),  # not served: 405
    "POST enrollment/persons/": PEOPLE_POSTS,
    "GET enrollment/persons/new/": (CLERK, AUDITOR),
    "POST enrollment/persons/new/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/": PEOPLE,
    "POST enrollment/persons/<int:person_id>/": PEOPLE_POSTS,
    "GET enrollment/persons/<int:person_id>/edit/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/edit/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/retire/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/retire/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/stays/new/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/stays/new/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/stays/<int:stay_id>/discharge/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/stays/<int:stay_id>/discharge/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/filings/new/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/filings/new/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/filings/<int:filing_id>/end/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/filings/<int:filing_id>/end/": (CLERK,),
    "GET enrollment/employers/": BUREAU,
    "POST enrollment/employers/": BUREAU_WRITERS,
    "GET enrollment/employers/new/": (CLERK, AUDITOR),
    "POST enrollment/employers/new/": (CLERK,),
    "GET enrollment/institutions/": BUREAU,
    "POST enrollment/institutions/": BUREAU_WRITERS,
    "GET enrollment/institutions/new/": (CLERK, AUDITOR),
    "POST enrollment/institutions/new/": (CLERK,),
    "GET enrollment/import/": (CLERK, AUDITOR),
    "POST enrollment/import/": (CLERK,),
    "GET enrollment/lookup/employers/": BUREAU,  # JSON for the searchable employer select
    "POST enrollment/lookup/employers/": (),  # not served: 405
    "GET enrollment/lookup/institutions/": BUREAU,  # JSON for the searchable institution select
    "POST enrollment/lookup/institutions/": (),  # not served: 405
    "GET accounts/payroll/": (CLERK, MANAGER, AUDITOR),
    "POST accounts/payroll/": (CLERK, MANAGER),
    "GET accounts/persons/<int:person_id>/statement/": PEOPLE,
    "GET accounts/persons/<int:person_id>/receipt/": PEOPLE,
    "POST accounts/persons/<int:person_id>/receipt/": (),  # not served: 405
    "POST accounts/persons/<int:person_id>/statement/": PEOPLE_POSTS,
    "GET accounts/persons/<int:person_id>/annual/<int:year>/": PEOPLE,
    "POST accounts/persons/<int:person_id>/annual/<int:year>/": PEOPLE_POSTS,
    "GET claims/manual/": (CLERK, AUDITOR),
    "POST claims/manual/": (CLERK,),
    "GET claims/persons/<int:person_id>/inpatient-total/": (CLERK, AUDITOR),
    "POST claims/persons/<int:person_id>/inpatient-total/": (CLERK,),
    "GET claims/settlements/<int:settlement_id>/": PEOPLE,
    "POST claims/settlements/<int:settlement_id>/": PEOPLE_POSTS,
    "GET claims/settlements/": (CLERK, MANAGER, AUDITOR),
    "POST claims/settlements/": (),  # not served: 405
    "GET claims/settlements/<int:settlement_id>/reverse/": (CLERK,),  # asks reason, confirmation
    "POST claims/settlements/<int:settlement_id>/reverse/": (CLERK,),
    "GET claims/certifications/": PEOPLE,
    "POST claims/certifications/": PEOPLE_POSTS,
    "GET claims/certifications/<int:certification_id>/decision/": PEOPLE,
    "POST claims/certifications/<int:certification_id>/decision/": (),  # not served: 405
    "GET claims/certifications/<int:certification_id>/decide/": (),  # not served: 405
    "POST claims/certifications/<int:certification_id>/decide/": (CLERK,),
    "GET catalogue/": BUREAU,
    "POST catalogue/": BUREAU_WRITERS,
    "GET catalogue/upload/": (CLERK, MANAGER, AUDITOR),
    "POST catalogue/upload/": (CLERK, MANAGER),
    "GET family-sharing/": (CLERK, MANAGER, AUDITOR),
    "POST family-sharing/": (CLERK, MANAGER),
    "GET family-sharing/grant/<int:person_id>/": (CLERK, AUDITOR),
    "POST family-sharing/grant/<int:person_id>/": (CLERK,),
    "GET family-sharing/<int:authorisation_id>/revoke/": (CLERK, AUDITOR),
    "POST family-sharing/<int:authorisation_id>/revoke/": (CLERK,),
    "GET family-sharing/<int:authorisation_id>/premium/": (CLERK, AUDITOR),
    "POST family-sharing/<int:authorisation_id>/premium/": (CLERK,),
    "GET family-sharing/statement/<int:person_id>/": (CLERK, MANAGER, AUDITOR),
    "POST family-sharing/statement/<int:person_id>/": (CLERK, MANAGER),
    "GET dashboards/": (MANAGER, AUDITOR),
    "POST dashboards/": (MANAGER,),
    "GET dashboards/accounts/": (MANAGER, AUDITOR),
    "POST dashboards/accounts/": (MANAGER,),
    "GET dashboards/sharing/": (MANAGER, AUDITOR),
    "POST dashboards/sharing/": (MANAGER,),
    "GET dashboards/caps/": (MANAGER, AUDITOR),
    "POST dashboards/caps/": (MANAGER,),
    "GET dashboards/chronic/": (MANAGER, AUDITOR),
    "POST dashboards/chronic/": (MANAGER,),
    "GET dashboards/institutions/": (MANAGER, AUDITOR),
    "POST dashboards/institutions/": (MANAGER,),
    "GET dashboards/institutions/<int:institution_id>/": (MANAGER, AUDITOR),
    "POST dashboards/institutions/<int:institution_id>/": (MANAGER,),
    # Policy replay (issue 21): managers start replays of a draft; policy administrators and
    # auditors read them (a draft's evaluation is the bureau's, never an institution's).
    "GET replay/": (MANAGER, AUDITOR, POLICY_ADMIN),
    "POST replay/": (MANAGER,),
    "GET replay/<int:job_id>/": (MANAGER, AUDITOR, POLICY_ADMIN),
    "POST replay/<int:job_id>/": (),  # not served: 405
    "GET replay/<int:job_id>/progress/": (MANAGER, AUDITOR, POLICY_ADMIN),
    "POST replay/<int:job_id>/progress/": (),  # not served: 405
    "GET replay/<int:job_id>/export/": (MANAGER, AUDITOR, POLICY_ADMIN),
    "POST replay/<int:job_id>/export/": (),  # not served: 405
    "GET replay/<int:job_id>/report/": (MANAGER, AUDITOR, POLICY_ADMIN),
    "POST replay/<int:job_id>/report/": (),  # not served: 405
    "POST api/v1/auth/token/": EVERYONE,
    "GET api/v1/jobs/": SIGNED_IN,
    "POST api/v1/jobs/": BUREAU_WRITERS,
    "GET api/v1/jobs/<int:job_id>/": SIGNED_IN,
    "GET api/v1/regions/": SIGNED_IN,
    "POST api/v1/regions/": (POLICY_ADMIN,),
    "GET api/v1/regions/<str:code>/policy/": SIGNED_IN,
    "GET api/v1/regions/<str:code>/policies/": SIGNED_IN,
    "POST api/v1/regions/<str:code>/policies/": (POLICY_ADMIN,),
    "GET api/v1/regions/<str:code>/drafts/": BUREAU,
    "POST api/v1/regions/<str:code>/drafts/": (POLICY_ADMIN,),
    "GET api/v1/regions/<str:code>/drafts/<int:draft_id>/": BUREAU,
    "DELETE api/v1/regions/<str:code>/drafts/<int:draft_id>/": (POLICY_ADMIN,),
    "POST api/v1/regions/<str:code>/drafts/<int:draft_id>/publish/": (POLICY_ADMIN,),
    "GET api/v1/policy-schema/": EVERYONE,
    "GET api/v1/reviews/": BUREAU,
    "GET api/v1/reviews/<int:review_id>/": BUREAU,
    "POST api/v1/reviews/<int:review_id>/approve/": BUREAU_WRITERS,
    "POST api/v1/reviews/<int:review_id>/reject/": BUREAU_WRITERS,
    "POST api/v1/reviews/<int:review_id>/withdraw/": BUREAU_WRITERS,
    "GET api/v1/employers/": BUREAU,
    "POST api/v1/employers/": (CLERK,),
    "GET api/v1/employers/<int:employer_id>/": BUREAU,
    "GET api/v1/institutions/": SIGNED_IN,
    "POST api/v1/institutions/": (CLERK,),
    "GET api/v1/institutions/<int:institution_id>/": SIGNED_IN,
    "PATCH api/v1/institutions/<int:institution_id>/": (CLERK,),
    "GET api/v1/persons/": PEOPLE,
    "POST api/v1/persons/": (CLERK,),
    "GET api/v1/persons/lookup/": (*PEOPLE, INSTITUTION),
    "GET api/v1/persons/<int:person_id>/": PEOPLE,
    "PATCH api/v1/persons/<int:person_id>/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/account/": PEOPLE,
    "POST api/v1/imports/payroll/": (CLERK, MANAGER),
    "POST api/v1/imports/catalogue/": (CLERK, MANAGER),
    "GET api/v1/catalogue/": SIGNED_IN,
    "GET api/v1/claims/": (CLERK, MANAGER, AUDITOR, INSTITUTION),  # its own claims
    "POST api/v1/claims/": (CLERK, INSTITUTION),
    "POST api/v1/claims/preview/": (CLERK, MANAGER, INSTITUTION),
    "GET api/v1/claims/<int:settlement_id>/": (CLERK, MANAGER, AUDITOR, INSTITUTION),
    "POST api/v1/claims/<int:settlement_id>/reverse/": (CLERK, INSTITUTION),
    "GET api/v1/family-sharing/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/": (CLERK,),
    "GET api/v1/family-sharing/<int:authorisation_id>/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/<int:authorisation_id>/revoke/": (CLERK,),
    "GET api/v1/family-sharing/<int:authorisation_id>/premium-payments/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/<int:authorisation_id>/premium-payments/": (CLERK,),
    "GET api/v1/chronic-certifications/": (*PEOPLE, INSTITUTION),  # institutions: their patients'
    "POST api/v1/chronic-certifications/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/approve/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/reject/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/revoke/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/inpatient-stays/": PEOPLE,
    "POST api/v1/persons/<int:person_id>/inpatient-stays/": (CLERK,),
    "PATCH api/v1/persons/<int:person_id>/inpatient-stays/<int:stay_id>/": (CLERK,),
    "POST api/hsa/": (INSTITUTION,),  # the national platform's interface (HIS), institutions only
    "GET api/v1/persons/<int:person_id>/out-of-region-filings/": PEOPLE,
    "POST api/v1/persons/<int:person_id>/out-of-region-filings/": (CLERK,),
    "POST api/v1/persons/<int:person_id>/out-of-region-filings/<int:filing_id>/end/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/inpatient-totals/<int:year>/": PEOPLE,
    "PUT api/v1/persons/<int:person_id>/inpatient-totals/<int:year>/": (CLERK,),
    "GET api/v1/schema/": SIGNED_IN,
    "GET api/v1/docs/": SIGNED_IN,
}

# Everything an institution's API client may reach (besides the session routes), per-endpoint
# tests in tests/security/test_institution_privacy.py say what it then sees.
INSTITUTION_REACHES = frozenset(
    {
        "GET ",
        "GET jobs/",
        "GET jobs/<int:job_id>/",
        "GET jobs/<int:job_id>/progress/",
        "GET policies/",
        "GET policies/schema/",
        "GET policies/<str:code>/",
        "GET api/v1/jobs/",
        "GET api/v1/jobs/<int:job_id>/",
        "GET api/v1/regions/",
        "GET api/v1/regions/<str:code>/policy/",
        "GET api/v1/regions/<str:code>/policies/",
        "GET api/v1/policy-schema/",
        "GET api/v1/institutions/",
        "GET api/v1/institutions/<int:institution_id>/",
        "GET api/v1/persons/lookup/",
        "GET api/v1/chronic-certifications/",
        "GET api/v1/claims/",
        "POST api/v1/claims/",
        "POST api/v1/claims/preview/",
        "GET api/v1/claims/<int:settlement_id>/",
        "POST api/v1/claims/<int:settlement_id>/reverse/",
        "GET api/v1/catalogue/",
        "POST api/hsa/",
        "GET api/v1/schema/",
        "GET api/v1/docs/",
    }
)
