from django.conf import settings
from django.urls import reverse

from samarbeid.models import Kommune, Malform, PoliceUnit, Politidistrikt, Sprakvedtak
from samarbeid.reference_data import load_reference_data


def test_all_357_kommuner_and_12_politidistrikter_are_loaded(db):
    assert Kommune.objects.count() == 357
    assert Politidistrikt.objects.count() == 12
    assert sum(Kommune.objects.values_list("population", flat=True)) == 5_550_203


def test_loading_twice_updates_and_never_duplicates(db):
    Kommune.objects.filter(number="4644").update(population=1)
    load_reference_data(settings.REFERENCE_DATA_DIR)
    assert Kommune.objects.count() == 357
    assert Politidistrikt.objects.count() == 12
    assert Kommune.objects.get(number="4644").population == 5371


def test_kommune_carries_number_population_malform_and_district(db):
    luster = Kommune.objects.get(number="4644")
    assert (luster.name, luster.sprakvedtak, luster.default_malform) == ("Luster kommune", "nn", Malform.NYNORSK)
    assert luster.district.short_name == "Vest"
    assert Kommune.objects.get(number="1127").sprakvedtak == Sprakvedtak.NOYTRAL


def test_documented_district_exceptions_are_kept(db):
    assert Kommune.objects.get(number="3201").district.short_name == "Oslo"  # Bærum
    assert Kommune.objects.get(number="5516").district.short_name == "Nordland"  # Gratangen


def test_districts_have_both_written_forms(db):
    ost = Politidistrikt.objects.get(short_name="Øst")
    assert (ost.name, ost.name_nn, ost.code) == ("Øst politidistrikt", "Aust politidistrikt", "ost")
    assert ost.name_in(Malform.NYNORSK) == "Aust politidistrikt"


def test_police_units_are_linked_to_the_kommuner_the_source_names(db):
    alta = PoliceUnit.objects.get(name="Alta lensmannsdistrikt")
    assert alta.unit_kind == PoliceUnit.UnitKind.LENSMANNSDISTRIKT
    assert set(alta.kommuner.values_list("number", flat=True)) == {"5601", "5614", "5612"}


def test_response_time_requirement_follows_population(db):
    assert Kommune.objects.get(number="1144").response_time_requirement().minutes == 30  # Kvitsøy, 544
    assert Kommune.objects.get(number="4644").response_time_requirement().minutes == 17  # Luster, 5 371
    assert Kommune.objects.get(number="3103").response_time_requirement().minutes == 12  # Moss, 52 051


def test_kommuner_with_the_same_name_are_told_apart_by_their_fylke(db, client):
    heroy = sorted(str(kommune) for kommune in Kommune.objects.filter(name="Herøy kommune"))
    assert heroy == ["Herøy kommune (Møre og Romsdal)", "Herøy kommune (Nordland)"]
    assert str(Kommune.objects.get(number="4644")) == "Luster kommune"  # a name of its own needs nothing more
    page = client.get(reverse("public:kommuner")).text
    assert "Herøy kommune (Møre og Romsdal)" in page and "Herøy kommune (Nordland)" in page
    assert "Våler kommune (Innlandet)" in page and "Våler kommune (Østfold)" in page
