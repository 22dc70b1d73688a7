"""Authentication endpoint: ``POST /api/v1/auth/token/ {username, password} → {token}``."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny

from .parsers import JSONParser


class TokenObtainApi(ObtainAuthToken):
    permission_classes = [AllowAny]
    # ObtainAuthToken names DRF's JSONParser itself; ours refuses a body nested too deep.
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Obtain an API token",
        request=inline_serializer(
            "TokenObtainInput",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer("TokenObtainOutput", {"token": serializers.CharField()}),
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def get_serializer_context(self):
        # django-axes marks a locked-out attempt on the request it is given; its middleware
        # reads the mark on Django's request, not on DRF's wrapper around it.
        return {**super().get_serializer_context(), "request": self.request._request}
