"""Enrollment over HTTP: employers, institutions, persons, inpatient stays (DESIGN.md)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.models import Region
from staff.api_utils import filtered, page_of, paginated
from staff.inputs import ApiCodeField, ApiDateField, ApiDecimalField
from staff.permissions import has_role
from staff.roles import CLERK, INSTITUTION, MANAGER, POLICY_ADMIN, user_has_role

from .filters import EmployerFilter, InstitutionFilter, PersonFilter
from .models import Employer, InpatientStay, Institution, Person
from .selectors import employer_list, inpatient_stays, institution_list, person_list
from .services import (
    employer_create,
    inpatient_stay_discharge,
    inpatient_stay_record,
    institution_create,
    institution_update,
    person_create,
    person_update,
)

# Institutions' API clients read the designated institutions (reference data: a claim names
# its prescribing institution); people, employers and stays are the bureau's. An institution
# finds its patient through the claims app's person lookup (1101 shape), nothing more.
BUREAU_READERS = (CLERK, MANAGER, POLICY_ADMIN)
READERS = (*BUREAU_READERS, INSTITUTION)
# Insured persons, their stays and filings: the roles whose work is about people (auditors read
# through ``has_role``). Policy administrators publish policies and read replays' aggregates:
# nothing of a person (个人信息保护法 第二十八条, least privilege).
PERSON_READERS = (CLERK, MANAGER)


class ReadOrClerkWrite(APIView):
    """Reads for bureau staff (auditors too); writes for clerks."""

    readers = BUREAU_READERS

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(*self.readers)()]
        return [IsAuthenticated(), has_role(CLERK)()]


REGION_FIELD = {"slug_field": "code", "queryset": Region.objects.all()}


# --- Employers -----------------------------------------------------------------------------------
class EmployerOutputSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Employer
        fields = ["id", "code", "name", "region"]


class EmployerListCreateApi(ReadOrClerkWrite):
    class InputSerializer(serializers.Serializer):
        code = ApiCodeField(max_length=32)
        name = serializers.CharField(max_length=128)
        region = serializers.SlugRelatedField(**REGION_FIELD)

    @extend_schema(
        responses=page_of(EmployerOutputSerializer),
        operation_id="employers_list",
        tags=["enrollment"],
    )
    def get(self, request):
        qs = filtered(EmployerFilter, request, employer_list())
        return paginated(request, self, qs, EmployerOutputSerializer)

    @extend_schema(
        request=InputSerializer, responses={201: EmployerOutputSerializer}, tags=["enrollment"]
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        employer = employer_create(**serializer.validated_data, actor=request.user)
        return Response(EmployerOutputSerializer(employer).data, status=status.HTTP_201_CREATED)


class EmployerDetailApi(ReadOrClerkWrite):
    @extend_schema(responses=EmployerOutputSerializer, tags=["enrollment"])
    def get(self, request, employer_id: int):
        return Response(EmployerOutputSerializer(get_object_or_404(Employer, pk=employer_id)).data)


# --- Institutions --------------------------------------------------------------------------------
class InstitutionOutputSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Institution
        fields = ["id", "code", "name", "region", "kind", "level", "designated"]


class InstitutionInputSerializer(serializers.Serializer):
    code = ApiCodeField(max_length=32)
    name = serializers.CharField(max_length=128)
    region = serializers.SlugRelatedField(**REGION_FIELD)
    kind = serializers.ChoiceField(choices=Institution.Kind.choices)
    level = serializers.ChoiceField(
        choices=Institution.Level.choices, allow_null=True, required=False
    )
    designated = serializers.BooleanField(default=True)
    specialist = serializers.BooleanField(required=False)


class InstitutionListCreateApi(ReadOrClerkWrite):
    readers = READERS

    @extend_schema(
        responses=page_of(InstitutionOutputSerializer),
        operation_id="institutions_list",
        tags=["enrollment"],
    )
    def get(self, request):
        qs = filtered(InstitutionFilter, request, institution_list())
        return paginated(request, self, qs, InstitutionOutputSerializer)

    @extend_schema(
        request=InstitutionInputSerializer,
        responses={201: InstitutionOutputSerializer},
        tags=["enrollment"],
    )
    def post(self, request):
        serializer = InstitutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        institution = institution_create(**serializer.validated_data, actor=request.user)
        return Response(
            InstitutionOutputSerializer(institution).data, status=status.HTTP_201_CREATED
        )


class InstitutionDetailApi(ReadOrClerkWrite):
    readers = READERS

    @extend_schema(responses=InstitutionOutputSerializer, tags=["enrollment"])
    def get(self, request, institution_id: int):
        institution = get_object_or_404(Institution, pk=institution_id)
        return Response(InstitutionOutputSerializer(institution).data)

    @extend_schema(
        request=InstitutionInputSerializer(partial=True),
        responses=InstitutionOutputSerializer,
        tags=["enrollment"],
    )
    def patch(self, request, institution_id: int):
        institution = get_object_or_404(Institution, pk=institution_id)
        serializer = InstitutionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "code"}
        institution = institution_update(institution=institution, data=data, actor=request.user)
        return Response(InstitutionOutputSerializer(institution).data)


# --- Persons -------------------------------------------------------------------------------------
PERSON_FIELDS = [
    "id", "id_number", "name", "region", "scheme", "category", "employment", "employer",
    "contribution_base", "retirement_date", "benefits_from", "status", "birth_date", "gender",
    "created_at", "updated_at",
]  # fmt: skip


class PersonOutputSerializer(serializers.ModelSerializer):
    """Full detail: the full ID number is shown only here."""

    region = serializers.CharField(source="region.code")

    class Meta:
        model = Person
        fields = PERSON_FIELDS


# What a masked ID number hides (the eight digits of the birth date) must not stand next to it.
MASK_HIDES = ("birth_date",)


class PersonListOutputSerializer(PersonOutputSerializer):
    """In lists, the ID number is masked for every role but clerks (150200********0017), and
    the birth date (exactly the hidden digits) is left out with it."""

    id_number = serializers.SerializerMethodField()
    # Not required in the schema: masked rows leave it out (an output-only serializer, so
    # not marking it read-only changes nothing else).
    birth_date = serializers.DateField(required=False)

    class Meta(PersonOutputSerializer.Meta):
        fields = PERSON_FIELDS

    def get_id_number(self, person: Person) -> str:
        return person.id_number if self.context.get("full_numbers") else person.masked_id_number

    def to_representation(self, person: Person) -> dict:
        data = super().to_representation(person)
        if not self.context.get("full_numbers"):
            for name in MASK_HIDES:
                data.pop(name, None)
        return data


class PersonInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=64)
    region = serializers.SlugRelatedField(**REGION_FIELD)
    scheme = serializers.ChoiceField(choices=Person.Scheme.choices, default="employee")
    category = serializers.ChoiceField(choices=Person.Category.choices, default="employee")
    employment = serializers.ChoiceField(choices=Person.Employment.choices, default="employer")
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Employer.objects.all(), allow_null=True, required=False
    )
    contribution_base = ApiDecimalField(
        max_digits=14, decimal_places=2, allow_null=True, required=False
    )
    retirement_date = ApiDateField(allow_null=True, required=False)
    benefits_from = ApiDateField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=Person.Status.choices, default="active")
    rule_group = serializers.ChoiceField(
        choices=Person._meta.get_field("rule_group").choices, required=False
    )
    confirm_other_region = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text="true registers a person whose employer belongs to another region (else 400).",
    )


class PersonListCreateApi(ReadOrClerkWrite):
    readers = PERSON_READERS

    @extend_schema(
        responses=page_of(PersonListOutputSerializer),
        operation_id="persons_list",
        tags=["enrollment"],
    )
    def get(self, request):
        qs = filtered(PersonFilter, request, person_list())
        context = {"full_numbers": user_has_role(request.user, CLERK)}
        return paginated(request, self, qs, PersonListOutputSerializer, context)

    @extend_schema(
        request=PersonInputSerializer, responses={201: PersonOutputSerializer}, tags=["enrollment"]
    )
    def post(self, request):
        serializer = PersonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = person_create(**serializer.validated_data, actor=request.user)
        return Response(PersonOutputSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonDetailApi(ReadOrClerkWrite):
    readers = PERSON_READERS

    @extend_schema(responses=PersonListOutputSerializer, tags=["enrollment"])
    def get(self, request, person_id: int):
        """One person, masked as in the list for every role but clerks: a masked number read
        one id at a time is still a masked number."""
        person = get_object_or_404(person_list(), pk=person_id)
        context = {"full_numbers": user_has_role(request.user, CLERK)}
        return Response(PersonListOutputSerializer(person, context=context).data)

    @extend_schema(
        request=PersonInputSerializer(partial=True),
        responses=PersonOutputSerializer,
        tags=["enrollment"],
    )
    def patch(self, request, person_id: int):
        person = get_object_or_404(Person, pk=person_id)
        serializer = PersonInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        person = person_update(person=person, data=serializer.validated_data, actor=request.user)
        return Response(PersonOutputSerializer(person).data)


# --- Inpatient stays -----------------------------------------------------------------------------
class InpatientStayOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InpatientStay
        fields = ["id", "person", "admitted_on", "discharged_on", "created_at"]


class InpatientStayListCreateApi(ReadOrClerkWrite):
    readers = PERSON_READERS

    class InputSerializer(serializers.Serializer):
        admitted_on = ApiDateField()
        discharged_on = ApiDateField(allow_null=True, required=False)

    @extend_schema(responses=InpatientStayOutputSerializer(many=True), tags=["enrollment"])
    def get(self, request, person_id: int):
        person = get_object_or_404(Person, pk=person_id)
        stays = inpatient_stays(person=person)
        return Response(InpatientStayOutputSerializer(stays, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: InpatientStayOutputSerializer}, tags=["enrollment"]
    )
    def post(self, request, person_id: int):
        person = get_object_or_404(Person, pk=person_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stay = inpatient_stay_record(person=person, **serializer.validated_data, actor=request.user)
        return Response(InpatientStayOutputSerializer(stay).data, status=status.HTTP_201_CREATED)


class InpatientStayDetailApi(ReadOrClerkWrite):
    readers = PERSON_READERS

    class InputSerializer(serializers.Serializer):
        discharged_on = ApiDateField()

    @extend_schema(
        request=InputSerializer, responses=InpatientStayOutputSerializer, tags=["enrollment"]
    )
    def patch(self, request, person_id: int, stay_id: int):
        stay = get_object_or_404(InpatientStay, pk=stay_id, person_id=person_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stay = inpatient_stay_discharge(stay=stay, actor=request.user, **serializer.validated_data)
        return Response(InpatientStayOutputSerializer(stay).data)


class FilingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    kind = serializers.CharField()
    region = serializers.CharField(source="region.code")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()


class FilingListCreateApi(ReadOrClerkWrite):
    """``GET/POST /api/v1/persons/{id}/out-of-region-filings/`` (异地就医备案)."""

    readers = PERSON_READERS

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["long_term", "temporary"])
        region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
        valid_from = serializers.DateField()
        valid_to = serializers.DateField(allow_null=True, required=False, default=None)

    @extend_schema(responses=FilingOutputSerializer(many=True), tags=["enrollment"])
    def get(self, request, person_id: int):
        person = get_object_or_404(Person, pk=person_id)
        filings = person.filings.select_related("region")
        return Response(FilingOutputSerializer(filings, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: FilingOutputSerializer}, tags=["enrollment"]
    )
    def post(self, request, person_id: int):
        from .services import filing_record

        person = get_object_or_404(Person, pk=person_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filing = filing_record(person=person, actor=request.user, **serializer.validated_data)
        return Response(FilingOutputSerializer(filing).data, status=status.HTTP_201_CREATED)


class FilingEndApi(ReadOrClerkWrite):
    """``POST /api/v1/persons/{id}/out-of-region-filings/{filing_id}/end/ {valid_to, reason}``."""

    readers = PERSON_READERS

    class InputSerializer(serializers.Serializer):
        valid_to = serializers.DateField()
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses=FilingOutputSerializer, tags=["enrollment"])
    def post(self, request, person_id: int, filing_id: int):
        from .models import OutOfRegionFiling
        from .services import filing_end

        filing = get_object_or_404(OutOfRegionFiling, pk=filing_id, person_id=person_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        filing = filing_end(filing=filing, actor=request.user, **serializer.validated_data)
        return Response(FilingOutputSerializer(filing).data)
