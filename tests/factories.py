"""factory_boy factories shared by the suite."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "小明"
    last_name = "张"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests truncate the groups the migration created.
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "policies.Region"
        django_get_or_create = ("code",)

    code = "420100"
    name = "武汉市"


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enrollment.Employer"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"武汉第{n}机械厂")
    region = factory.SubFactory(RegionFactory)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enrollment.Institution"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"H{n:05d}")
    name = factory.Sequence(lambda n: f"第{n}人民医院")
    region = factory.SubFactory(RegionFactory)
    kind = "hospital"
    level = "2"
    designated = True


def id_number(place: str = "420100", birth=None, seq: int | None = None) -> str:
    """A valid ID number; sequences differ per call unless given. The sequence has three
    digits: past 999 calls in one process (a long run, e.g. schemathesis as every role) the
    birth date moves on a day instead of the number growing to 19 characters."""
    from datetime import date, timedelta

    from enrollment.id_numbers import make

    id_number.counter = getattr(id_number, "counter", 0) + 1
    if seq is not None:
        return make(place, birth or date(1970, 3, 15), seq)
    laps, seq = divmod(id_number.counter - 1, 999)
    return make(place, birth or date(1970, 3, 15) + timedelta(days=laps), seq + 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "enrollment.Person"

    id_number = factory.LazyFunction(id_number)
    name = "李华"
    region = factory.SubFactory(RegionFactory)
    employer = factory.SubFactory(EmployerFactory)
    contribution_base = "8000.00"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        person = model_class(*args, **kwargs)
        person.full_clean()
        person.save()
        return person
