"""Who may do what: every route and method of the site and the API, and the roles it admits.

This is the contract the permission test walks (``tests/security/test_permission_matrix.py``):
for every route in the URLconf and every role, plus anonymous visitors, the response must allow
exactly the roles listed here (a route missing from this table fails the test too). A role
"reaches" an operation when it is not refused with 401/403 (or sent to the login page); what
it may then do with a given object is the view's business (an institution settles and reads
only its own claims; a job kind names the roles that may start it).

Rules the table keeps, checked by the test as well: auditors read everything and write
nothing; institution clients reach only the claims API and public reference data; anonymous
visitors reach only the login, the language switch, the token endpoint and the API schema.
The admin (``/admin/``) is left to Django's staff and superuser checks.
"""

from .roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN

ANONYMOUS = "anonymous"
ACTORS = (CLERK, MANAGER, AUDITOR, INSTITUTION, POLICY_ADMIN, ANONYMOUS)

EVERYONE = ACTORS
SIGNED_IN = (CLERK, MANAGER, AUDITOR, INSTITUTION, POLICY_ADMIN)
BUREAU = (CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
BUREAU_WRITERS = (CLERK, MANAGER, POLICY_ADMIN)

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
    "GET policies/<str:code>/": SIGNED_IN,
    "POST policies/<str:code>/": (),  # not served: 405
    "GET policies/<str:code>/publish/": (POLICY_ADMIN,),
    "POST policies/<str:code>/publish/": (POLICY_ADMIN,),
    "GET enrollment/persons/": BUREAU,
    "POST enrollment/persons/": BUREAU_WRITERS,
    "GET enrollment/persons/new/": (CLERK, AUDITOR),
    "POST enrollment/persons/new/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/": BUREAU,
    "POST enrollment/persons/<int:person_id>/": BUREAU_WRITERS,
    "GET enrollment/persons/<int:person_id>/edit/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/edit/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/retire/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/retire/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/stays/new/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/stays/new/": (CLERK,),
    "GET enrollment/persons/<int:person_id>/stays/<int:stay_id>/discharge/": (CLERK, AUDITOR),
    "POST enrollment/persons/<int:person_id>/stays/<int:stay_id>/discharge/": (CLERK,),
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
    "GET accounts/payroll/": (CLERK, MANAGER, AUDITOR),
    "POST accounts/payroll/": (CLERK, MANAGER),
    "GET accounts/persons/<int:person_id>/statement/": BUREAU,
    "POST accounts/persons/<int:person_id>/statement/": BUREAU_WRITERS,
    "GET accounts/persons/<int:person_id>/annual/<int:year>/": BUREAU,
    "POST accounts/persons/<int:person_id>/annual/<int:year>/": BUREAU_WRITERS,
    "GET claims/manual/": (CLERK, AUDITOR),
    "POST claims/manual/": (CLERK,),
    "GET claims/settlements/<int:settlement_id>/": BUREAU,
    "POST claims/settlements/<int:settlement_id>/": BUREAU_WRITERS,
    "GET claims/settlements/<int:settlement_id>/reverse/": (),  # not served: 405
    "POST claims/settlements/<int:settlement_id>/reverse/": (CLERK,),
    "GET claims/certifications/": BUREAU,
    "POST claims/certifications/": BUREAU_WRITERS,
    "GET claims/certifications/<int:certification_id>/decide/": (),  # not served: 405
    "POST claims/certifications/<int:certification_id>/decide/": (CLERK,),
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
    "POST api/v1/auth/token/": EVERYONE,
    "GET api/v1/jobs/": SIGNED_IN,
    "POST api/v1/jobs/": BUREAU_WRITERS,
    "GET api/v1/jobs/<int:job_id>/": SIGNED_IN,
    "GET api/v1/regions/": SIGNED_IN,
    "GET api/v1/regions/<str:code>/policy/": SIGNED_IN,
    "GET api/v1/regions/<str:code>/policies/": SIGNED_IN,
    "POST api/v1/regions/<str:code>/policies/": (POLICY_ADMIN,),
    "GET api/v1/policy-schema/": EVERYONE,
    "GET api/v1/employers/": SIGNED_IN,
    "POST api/v1/employers/": (CLERK,),
    "GET api/v1/employers/<int:employer_id>/": SIGNED_IN,
    "GET api/v1/institutions/": SIGNED_IN,
    "POST api/v1/institutions/": (CLERK,),
    "GET api/v1/institutions/<int:institution_id>/": SIGNED_IN,
    "PATCH api/v1/institutions/<int:institution_id>/": (CLERK,),
    "GET api/v1/persons/": SIGNED_IN,
    "POST api/v1/persons/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/": SIGNED_IN,
    "PATCH api/v1/persons/<int:person_id>/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/account/": SIGNED_IN,
    "POST api/v1/imports/payroll/": (CLERK, MANAGER),
    "GET api/v1/claims/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/claims/": (CLERK, INSTITUTION),
    "POST api/v1/claims/preview/": (CLERK, MANAGER, INSTITUTION),
    "GET api/v1/claims/<int:settlement_id>/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/claims/<int:settlement_id>/reverse/": (CLERK,),
    "GET api/v1/family-sharing/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/": (CLERK,),
    "GET api/v1/family-sharing/<int:authorisation_id>/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/<int:authorisation_id>/revoke/": (CLERK,),
    "GET api/v1/family-sharing/<int:authorisation_id>/premium-payments/": (CLERK, MANAGER, AUDITOR),
    "POST api/v1/family-sharing/<int:authorisation_id>/premium-payments/": (CLERK,),
    "GET api/v1/chronic-certifications/": SIGNED_IN,
    "POST api/v1/chronic-certifications/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/approve/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/reject/": (CLERK,),
    "POST api/v1/chronic-certifications/<int:certification_id>/revoke/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/inpatient-stays/": SIGNED_IN,
    "POST api/v1/persons/<int:person_id>/inpatient-stays/": (CLERK,),
    "PATCH api/v1/persons/<int:person_id>/inpatient-stays/<int:stay_id>/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/out-of-region-filings/": SIGNED_IN,
    "POST api/v1/persons/<int:person_id>/out-of-region-filings/": (CLERK,),
    "POST api/v1/persons/<int:person_id>/out-of-region-filings/<int:filing_id>/end/": (CLERK,),
    "GET api/v1/persons/<int:person_id>/inpatient-totals/<int:year>/": BUREAU,
    "PUT api/v1/persons/<int:person_id>/inpatient-totals/<int:year>/": (CLERK,),
    "GET api/v1/schema/": EVERYONE,
    "GET api/v1/docs/": EVERYONE,
}
