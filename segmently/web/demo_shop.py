"""``/demo/shop``: a small, realistic shop page served by the app, with the demo snippet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from segmently.db.models import Membership, Project, User
from segmently.demo import DEMO_EMAIL, DEMO_PROJECT
from segmently.projects import service as projects
from segmently.web.dashboard.rendering import TEMPLATES
from segmently.web.deps import DB

router = APIRouter(include_in_schema=False)

PRODUCTS = [
    {
        "id": "aurora-lamp",
        "name": "Aurora Desk Lamp",
        "price": "49.00",
        "blurb": "Warm, dimmable light for late-night work.",
    },
    {
        "id": "nimbus-mug",
        "name": "Nimbus Mug",
        "price": "18.00",
        "blurb": "Stoneware that keeps coffee hot for longer.",
    },
    {
        "id": "atlas-notebook",
        "name": "Atlas Notebook",
        "price": "12.50",
        "blurb": "Dot grid, lay-flat binding, 160 pages.",
    },
]


def _demo_key(db: DB) -> str | None:
    project = db.scalar(
        select(Project)
        .join(Membership, Membership.org_id == Project.org_id)
        .join(User, User.id == Membership.user_id)
        .where(User.email == DEMO_EMAIL, Membership.role == "owner", Project.name == DEMO_PROJECT)
    )
    return projects.active_key(db, project).key if project is not None else None


def _page(request: Request, db: DB, name: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, name, {"api_key": _demo_key(db), "products": PRODUCTS}
    )


@router.get("/demo/shop")
def shop(request: Request, db: DB) -> HTMLResponse:
    return _page(request, db, "demo/shop.html")


@router.get("/demo/shop/cart")
def cart(request: Request, db: DB) -> HTMLResponse:
    return _page(request, db, "demo/cart.html")


@router.get("/demo/shop/thank-you")
def thank_you(request: Request, db: DB) -> HTMLResponse:
    return _page(request, db, "demo/thank_you.html")
