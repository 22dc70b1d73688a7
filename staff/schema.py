"""OpenAPI generation tweaks shared by every app."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Views nest their serializers (``PersonListCreateApi.InputSerializer``, the HackSoft
    style); name those components after the view so that two ``InputSerializer`` classes never
    collide in the schema."""

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer and "<locals>" not in outer:
            prefix = outer.split(".")[-1].removesuffix("Api")
            if not name.startswith(prefix):
                name = prefix + name
        return name
