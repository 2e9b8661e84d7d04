"""Coverage counted in people: a population file by ward or by postcode district, checked
against the same figures worked out by hand from the postcodes' walks."""

import io
from collections import Counter
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from geopy.distance import geodesic

from core.time import LONDON
from places.models import Area, AreaKind, Population, Postcode
from places.population import PopulationFileError, import_population
from tests.factories import ContactPointFactory, OpeningRuleFactory
from tests.shared_data import load_westminster

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, tzinfo=LONDON)
CHARING_CROSS = (51.509786, -0.124658)


@pytest.fixture
def charing_cross(tmp_path: Path) -> None:
    """Westminster's wards and postcodes; one place, open weekdays 08:00–20:00."""
    load_westminster(tmp_path)
    cp = ContactPointFactory(latitude=Decimal("51.509786"), longitude=Decimal("-0.124658"))
    for weekday in range(5):
        OpeningRuleFactory(contact_point=cp, weekday=weekday, opens=time(8), closes=time(20))


def write(path: Path, rows: list[tuple[str, object]], header: str = "code,people") -> Path:
    path.write_text(header + "\n" + "".join(f"{code},{n}\n" for code, n in rows))
    return path


def test_people_by_ward_weight_each_ward_by_its_people(
    client: Client, charing_cross: None, tmp_path: Path
) -> None:
    wards = list(Area.objects.filter(kind=AreaKind.WARD).order_by("code"))
    people = {w.code: 1000 + 377 * i for i, w in enumerate(wards)}
    call_command(
        "import_population", str(write(tmp_path / "wards.csv", list(people.items()))),
        "--source", "Test census", stdout=io.StringIO(),
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        by_postcode = client.get("/api/v1/coverage").json()
        by_people = client.get("/api/v1/coverage?count=people").json()
        page = client.get("/coverage/?count=people&when=weekday-daytime").content.decode()
        plain = client.get("/coverage/").content.decode()
    assert by_people["counted"] == "people"
    assert by_people["london"]["people"] == sum(people.values())
    assert "Test census" in by_people["method"]["homes"]
    # Within a ward every postcode stands for the same number of people: the ward's share
    # is the same either way, and London's is the wards' shares weighted by their people.
    shares = {w["code"]: w["shares"]["weekday-daytime"]["20"] for w in by_postcode["wards"]}
    for ward in by_people["wards"]:
        assert ward["shares"]["weekday-daytime"]["20"] == pytest.approx(
            shares[ward["code"]], abs=1e-4
        )
        assert ward["people"] == people[ward["code"]]
    expected = sum(people[c] * s for c, s in shares.items()) / sum(people.values())
    assert by_people["london"]["shares"]["weekday-daytime"]["20"] == pytest.approx(
        expected, abs=2e-4
    )
    assert expected != pytest.approx(by_postcode["london"]["shares"]["weekday-daytime"]["20"])
    # The pages say what they count.
    assert "Share of London&#x27;s people within" in page or "Share of London's people" in page
    assert "Test census" in page
    assert '<option value="people">People (Test census)</option>' in plain


def test_people_by_district_against_a_hand_count(
    client: Client, charing_cross: None, tmp_path: Path
) -> None:
    districts = Counter(Postcode.objects.values_list("outward", flat=True))
    people = {d: 500 + 91 * i for i, d in enumerate(sorted(districts))}
    report = import_population(write(tmp_path / "d.csv", list(people.items())), "Districts")
    assert report.kind == "district"
    reach = 20 * 80 / 1.3
    within = total = 0.0
    for outward, lat, lon in Postcode.objects.values_list("outward", "latitude", "longitude"):
        weight = people[outward] / districts[outward]
        total += weight
        if geodesic(CHARING_CROSS, (float(lat), float(lon))).meters <= reach:
            within += weight
    with time_machine.travel(NOW, tick=False):
        data = client.get("/api/v1/coverage?count=people").json()
    # Postcodes in no ward drawn are left out, and the sphere differs from the geodesic by
    # up to 0.5 % at the edge of the walk.
    assert data["london"]["people"] == pytest.approx(total, rel=0.005)
    assert data["london"]["shares"]["weekday-daytime"]["20"] == pytest.approx(
        within / total, abs=0.005
    )


def test_bad_files_load_nothing_and_say_which_rows(charing_cross: None, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", [("SW1A", 10)])
    import_population(good)
    cases = {
        "mixed.csv": ([("SW1A", 5), ("E05000644", 7)], "one kind of area per file"),
        "number.csv": ([("SW1A", "lots")], "row 2: “lots” is not a whole number of people"),
        "twice.csv": ([("SW1A 1", 5), ("sw1a1", 6)], "row 3: SW1A 1 is listed twice"),
        "code.csv": ([("Westminster", 5)], "row 2: “Westminster” is not a ward code"),
        "empty.csv": ([], "no areas listed"),
    }
    for name, (rows, message) in cases.items():
        with pytest.raises(PopulationFileError, match=message):
            import_population(write(tmp_path / name, rows))
    with pytest.raises(PopulationFileError, match="the first row must name the columns"):
        import_population(write(tmp_path / "header.csv", [("SW1A", 5)], header="area,total"))
    assert list(Population.objects.values_list("code", "people")) == [("SW1A", 10)]
    with pytest.raises(CommandError, match="is listed twice"):
        call_command("import_population", str(tmp_path / "twice.csv"))
    out = io.StringIO()
    call_command("import_population", "--clear", stdout=out)
    assert "1 areas' figures removed" in out.getvalue()
    assert not Population.objects.exists()


def test_people_asked_for_when_none_are_loaded(client: Client, charing_cross: None) -> None:
    with time_machine.travel(NOW, tick=False):
        page = client.get("/coverage/?count=people")
        api = client.get("/api/v1/coverage?count=people")
        plain = client.get("/coverage/")
    assert page.status_code == api.status_code == 400
    assert "no population figures are loaded" in page.content.decode()
    assert "no population figures are loaded" in api.json()["detail"]
    assert client.get("/coverage/?count=households").status_code == 400
    assert 'name="count"' not in plain.content.decode()
