"""ID number hints: the issuing place's name from the division table (python-stdnum's), the
JSON endpoint the form's script asks (only the place code travels), and a wrong check digit
that never suggests the "right" one."""

import re
from datetime import date

import pytest

from enrollment.id_numbers import InvalidIdNumber, make, parse
from enrollment.places import division_table, place_of
from tests.factories import RegionFactory, UserFactory


def test_the_table_keeps_each_codes_latest_name():
    table = division_table()
    assert len(table) > 3000
    assert table["150205"] == "石拐区"  # "[1983-1998]石拐矿区,[1999-]石拐区"
    assert table["530402"] == "红塔区"  # "[1997-]红塔区"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name", "known"),
    [
        ("530402", "云南省 玉溪市 红塔区", True),
        ("110101", "北京市 东城区", True),  # 110100 市辖区 is no place
        ("150200", "内蒙古自治区 包头市", True),
        ("530499", "云南省 玉溪市", False),  # unknown county: its city still named
    ],
)
def test_place_names_from_province_down(code, name, known):
    place = place_of(code)
    assert (place.name, place.known) == (name, known)


@pytest.mark.django_db
def test_unknown_codes_fall_back_to_the_bureaus_regions():
    assert place_of("990000") is None and place_of("12345") is None and place_of("１１0101") is None
    RegionFactory(code="990100", name="新设市")
    assert place_of("990100").name == "新设市"


@pytest.mark.django_db
def test_the_place_endpoint(client):
    client.force_login(UserFactory(roles=["clerk"]))
    assert client.get("/enrollment/places/530402/").json() == {
        "code": "530402",
        "name": "云南省 玉溪市 红塔区",
        "known": True,
    }
    assert client.get("/enrollment/places/99999x/").json()["known"] is False
    assert client.post("/enrollment/places/530402/").status_code == 405
    client.force_login(UserFactory(roles=["institution"]))
    assert client.get("/enrollment/places/530402/").status_code == 403


def test_a_wrong_check_digit_is_invalid_without_a_suggestion():
    good = make("530402", date(1990, 1, 1), 11)
    for wrong in "0123456789X":
        if wrong == good[-1]:
            continue
        with pytest.raises(InvalidIdNumber) as err:
            parse(good[:-1] + wrong)
        message = str(err.value)
        assert "校验位" in message and "无效" in message
        assert good[-1] not in message.replace("11643", "")  # no "should be 7"


@pytest.mark.django_db
def test_the_person_form_carries_the_hint_attributes(client):
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get("/enrollment/persons/new/").content.decode()
    assert "data-id-number" in html and 'data-place-url="/enrollment/places/000000/"' in html
    assert "校验位不符" in html  # the script's messages, in the page's language


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "names", "search"),
    [
        ("/claims/certifications/", ["id_number"], False),
        ("/claims/manual/", ["id_number", "account_holder_id_number"], False),
        ("/enrollment/persons/", ["q"], True),
        ("/claims/settlements/", ["person"], True),
    ],
)
def test_every_form_a_clerk_types_an_id_number_into_carries_the_hint(client, url, names, search):
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(url).content.decode()
    for name in names:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'data-id-number="{"search" if search else ""}"' in tag, tag
        assert f'aria-describedby="{name}_hint"' in tag and "data-place-url" in tag
        assert "校验位不符" in tag  # the script's messages, in the page's language


@pytest.mark.django_db
def test_the_family_sharing_grant_form_carries_the_hint(client):
    from tests.factories import PersonFactory

    holder = PersonFactory()
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/family-sharing/grant/{holder.pk}/").content.decode()
    tag = re.search(r'<input[^>]*name="member_id_number"[^>]*>', html).group(0)
    assert 'data-id-number=""' in tag and 'aria-describedby="member_id_number_hint"' in tag
