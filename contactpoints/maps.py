"""What page scripts need to draw a map. Tiles are configured once, through django-leaflet's
LEAFLET_CONFIG (see settings); pages pass this to scripts with json_script."""

from typing import Any

import leaflet


def map_config() -> dict[str, Any]:
    _name, url, options = leaflet.app_settings["TILES"][0]
    return {
        "tiles": url,
        "attribution": options.get("attribution", ""),
        "center": list(leaflet.app_settings["DEFAULT_CENTER"]),
        "zoom": leaflet.app_settings["DEFAULT_ZOOM"],
    }
