"""The postcode gazetteer: where each live postcode is, from the official open data."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class PostcodeSource(models.TextChoices):
    ONSPD = "onspd", "ONS Postcode Directory"
    CODEPOINT = "codepoint", "OS Code-Point Open"


class PostcodeQuerySet(models.QuerySet["Postcode"]):
    def district_centre(self, outward: str) -> tuple[float, float] | None:
        """A postcode district's centre ("W2"): from the whole-district centres
        (`District`, all of its postcodes, in London or not) where they are loaded; else
        the mean of the postcodes the gazetteer holds for it — which, for a district that
        crosses the edge of the gazetteer's area (EN7, KT18), is the centre of the part
        inside (`district_centre_is_partial` says so). None when neither knows it."""
        whole = District.objects.filter(outcode=outward).values_list("latitude", "longitude")
        for latitude, longitude in whole:
            return (float(latitude), float(longitude))
        centre = self.filter(outward=outward).aggregate(
            latitude=models.Avg("latitude"), longitude=models.Avg("longitude")
        )
        if centre["latitude"] is None:
            return None
        return (float(centre["latitude"]), float(centre["longitude"]))

    def district_centre_is_partial(self, outward: str) -> bool:
        """Whether `district_centre` is only the centre of the postcodes we hold."""
        return not District.objects.filter(outcode=outward).exists()


class Postcode(models.Model):
    """The local gazetteer: one row per live postcode with a location, imported from the
    official open data by `manage.py import_postcodes`."""

    # Unique and indexed through Meta, not `unique=`/`db_index=`: on PostgreSQL those add a
    # second, pattern-matching index to each column, which no query uses and every import
    # writes (a sixth of the time of a first import).
    postcode = models.CharField(max_length=8, help_text="Canonical: SW1A 1AA")
    outward = models.CharField(max_length=4, help_text="District: SW1A")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    district_code = models.CharField(
        "local authority code", max_length=9, blank=True, help_text="GSS code, e.g. E09000033"
    )
    ward_code = models.CharField(max_length=9, blank=True, help_text="GSS code")
    source = models.CharField(max_length=16, choices=PostcodeSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostcodeQuerySet.as_manager()

    class Meta:
        ordering = ["postcode"]
        indexes = [models.Index(fields=["outward"], name="postcode_outward")]
        constraints = [
            models.UniqueConstraint(fields=["postcode"], name="postcode_unique"),
            models.CheckConstraint(
                name="postcode_latitude_range", condition=Q(latitude__gte=-90, latitude__lte=90)
            ),
            models.CheckConstraint(
                name="postcode_longitude_range",
                condition=Q(longitude__gte=-180, longitude__lte=180),
            ),
            models.CheckConstraint(name="postcode_not_empty", condition=~Q(postcode="")),
            models.CheckConstraint(
                name="postcode_source_valid", condition=Q(source__in=PostcodeSource.values)
            ),
        ]

    def __str__(self) -> str:
        return self.postcode

    @property
    def coordinates(self) -> tuple[float, float]:
        return (float(self.latitude), float(self.longitude))


class AreaKind(models.TextChoices):
    WARD = "ward", "Ward"
    BOROUGH = "borough", "Borough"


class Area(models.Model):
    """A ward or a borough, by its GSS code, with its outline for maps drawn on the server.
    Imported by `manage.py import_boundaries` from an ONS-style GeoJSON of wards."""

    code = models.CharField(max_length=9, unique=True, help_text="GSS code, e.g. E05000644")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AreaKind.choices)
    borough = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="wards"
    )
    outline = models.JSONField(
        null=True, blank=True, help_text="GeoJSON Polygon or MultiPolygon (WGS84)."
    )
    source = models.CharField(max_length=200, blank=True, help_text='e.g. "2013 wards"')

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="area_kind_valid", condition=Q(kind__in=AreaKind.values)),
            models.CheckConstraint(
                name="area_ward_has_borough",
                condition=~Q(kind=AreaKind.WARD) | Q(borough__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PopulationKind(models.TextChoices):
    WARD = "ward", "Ward"
    DISTRICT = "district", "Postcode district"
    SECTOR = "sector", "Postcode sector"
    POSTCODE = "postcode", "Postcode"


class Population(models.Model):
    """How many people live in an area — a ward, or a postcode district, sector or unit —
    from a file a user supplies (`manage.py import_population`). When loaded, the coverage
    figures can count people rather than postcodes: each area's people are shared equally
    among its postcodes. One file at a time, of one kind of area."""

    code = models.CharField(max_length=9, unique=True, help_text="E05000644, SW1A, SW1A 1, …")
    kind = models.CharField(max_length=16, choices=PopulationKind.choices)
    people = models.PositiveIntegerField()
    source = models.CharField(max_length=200, help_text="Where the figures come from.")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="population_kind_valid", condition=Q(kind__in=PopulationKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.people}"


class District(models.Model):
    """A postcode district's centre over all of its postcodes, wherever they are (the
    shared outcode centroids, from Code-Point Open), so that a district search is
    centred on the whole district, not only on the part inside London. Imported by
    `manage.py import_districts`."""

    outcode = models.CharField(max_length=4, unique=True, help_text="SW1A, EN7")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    postcodes = models.PositiveIntegerField(help_text="How many postcodes the centre is of.")
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["outcode"]
        constraints = [
            models.CheckConstraint(
                name="district_latitude_range", condition=Q(latitude__gte=-90, latitude__lte=90)
            ),
            models.CheckConstraint(
                name="district_longitude_range",
                condition=Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return self.outcode
