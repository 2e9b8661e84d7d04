"""Ward boundaries from an ONS-style GeoJSON (one feature per ward, with properties such as
WD13CD / WD13NM for the ward and LAD_CD / LAD_NM for its borough), as `Area` rows. The
boroughs are made from the wards' properties. All or nothing; re-running updates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from .models import Area, AreaKind


class BoundaryFileError(ValueError):
    pass


@dataclass(frozen=True)
class Report:
    wards: int
    boroughs: int


def _property(properties: dict[str, Any], pattern: str) -> str:
    for key, value in properties.items():
        if re.fullmatch(pattern, key) and value:
            return str(value).strip()
    return ""


def import_boundaries(path: Path | str, source: str = "") -> Report:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise BoundaryFileError(f"{path}: not a GeoJSON file we can read ({error}).") from error
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{path}: no features (expected a GeoJSON FeatureCollection).")
    wards: dict[str, tuple[str, str, dict[str, Any]]] = {}
    boroughs: dict[str, str] = {}
    problems = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        code = _property(properties, r"WD\d\dCD")
        name = _property(properties, r"WD\d\dNM")
        borough_code = _property(properties, r"LAD(\d\d)?_?CD")
        borough_name = _property(properties, r"LAD(\d\d)?_?NM")
        if not (code and name and borough_code and borough_name):
            problems.append(f"feature {number}: ward or borough code or name missing")
            continue
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(f"feature {number} ({name}): not a Polygon or MultiPolygon")
            continue
        wards[code] = (name, borough_code, geometry)
        # OS names read "Camden London Boro": the borough's own name is enough.
        boroughs[borough_code] = re.sub(r"\s+London Boro(ugh)?$", "", borough_name)
    if problems:
        raise BoundaryFileError(f"{path}: " + "; ".join(problems[:10]))
    with transaction.atomic():
        by_code = {}
        for code, name in boroughs.items():
            by_code[code], _ = Area.objects.update_or_create(
                code=code,
                defaults={"name": name, "kind": AreaKind.BOROUGH, "borough": None,
                          "source": source},
            )  # fmt: skip
        for code, (name, borough_code, geometry) in wards.items():
            Area.objects.update_or_create(
                code=code,
                defaults={"name": name, "kind": AreaKind.WARD, "borough": by_code[borough_code],
                          "outline": geometry, "source": source},
            )  # fmt: skip
    return Report(wards=len(wards), boroughs=len(boroughs))
