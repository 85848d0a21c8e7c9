"""Server-rendered dashboard pages (Jinja2 + htmx); they call the same services as the API."""

from fastapi import APIRouter

from segmently.web.dashboard import accounts, experiments, projects, results, settings

router = APIRouter(include_in_schema=False)
router.include_router(accounts.router)
router.include_router(projects.router)
router.include_router(experiments.router)
router.include_router(settings.router)
router.include_router(results.router)
