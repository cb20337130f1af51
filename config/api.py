"""The JSON API at /api/v1/, with its OpenAPI schema at /api/v1/openapi.json."""

from ninja import NinjaAPI

from progress.endpoints import router as progress_router

api = NinjaAPI(
    title="Pamoja API",
    version="1",
    description="Progress sync for the offline client; verification for partners.",
    urls_namespace="api",
    docs_url=None,  # no third-party assets: the schema is the documentation
)
api.add_router("/progress", progress_router)
api.add_router("/xapi", "progress.xapi_endpoints.router")
api.add_router("/verify", "certificates.verify_api.router")
