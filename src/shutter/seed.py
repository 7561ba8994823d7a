"""Demo data: a small community with follows and photo posts, made through the same
services the API uses (so every rule holds and every event is written)."""

from __future__ import annotations

import io
import random
from contextlib import AsyncExitStack
from dataclasses import dataclass

from PIL import Image, ImageDraw
from rich.progress import Progress

from shutter.app import open_context
from shutter.auth.passwords import hash_password
from shutter.context import AppContext
from shutter.errors import Conflict
from shutter.follows import service as follows_service
from shutter.media import service as media_service
from shutter.posts import service as posts_service
from shutter.posts.schemas import PostCreate
from shutter.settings import Settings
from shutter.users import service as users_service
from shutter.users.schemas import RegisterIn

DEMO_PASSWORD = "shutter-demo"  # noqa: S105 - demo accounts, printed for the user
CAPTIONS = [
    "Golden hour at the harbour",
    "Morning coffee, slow start",
    "Found this wall on a walk #streetart",
    "First snow of the year",
    "Weekend market colours",
    "Tiny mountain, big view",
    "Rainy window, good book",
    "Sunday bike ride #cycling",
]


@dataclass
class SeedReport:
    users: list[str]
    follows: int
    posts: int


def demo_image(rng: random.Random, size: tuple[int, int] = (1080, 1080)) -> bytes:
    """A JPEG with a colour gradient and a few shapes: varied, cheap, and no one's photo."""
    start = [rng.randint(0, 255) for _ in range(3)]
    end = [rng.randint(0, 255) for _ in range(3)]
    image = Image.linear_gradient("L").resize(size)
    colour = Image.merge(
        "RGB",
        [
            image.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
            for a, b in zip(start, end, strict=True)
        ],
    )
    draw = ImageDraw.Draw(colour)
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        radius = rng.randint(40, 260)
        fill = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    out = io.BytesIO()
    colour.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def _ready_media(context: AppContext, owner_id: int, data: bytes) -> int:
    return await media_service.ingest(context, owner_id, data, "image/jpeg")


async def seed(settings: Settings, users: int, posts_per_user: int, seed_value: int) -> SeedReport:
    """Create `users` demo accounts (demo1, demo2, ...) that follow each other at random and
    post `posts_per_user` photos each. Existing demo accounts are left as they are."""
    rng = random.Random(seed_value)
    async with AsyncExitStack() as stack:
        context = await open_context(settings, stack)
        ids: list[int] = []
        names: list[str] = []
        follows = 0
        made_posts = 0
        with Progress() as progress:
            accounts = progress.add_task("accounts", total=users)
            for n in range(1, users + 1):
                name = f"demo{n}"
                account = RegisterIn(
                    username=name, email=f"{name}@demo.example", password=DEMO_PASSWORD
                )
                password_hash = await hash_password(DEMO_PASSWORD)
                try:
                    async with context.db.write() as uow:
                        user_id = await users_service.register(
                            context, uow.conn, account, password_hash
                        )
                except Conflict:  # seeded before: reuse the account
                    async with context.db.read() as conn:
                        user_id = await users_service.resolve_user_id(conn, name)
                ids.append(user_id)
                names.append(name)
                progress.advance(accounts)
            graph = progress.add_task("follows", total=len(ids))
            for follower in ids:
                others = [user for user in ids if user != follower]
                for followee in rng.sample(others, k=min(len(others), rng.randint(3, 8))):
                    async with context.db.write() as uow:
                        await follows_service.follow(context, uow, follower, followee)
                    follows += 1
                progress.advance(graph)
            photos = progress.add_task("posts", total=len(ids) * posts_per_user)
            for author in ids:
                for _ in range(posts_per_user):
                    media_id = await _ready_media(context, author, demo_image(rng))
                    body = PostCreate(media_ids=[str(media_id)], caption=rng.choice(CAPTIONS))
                    async with context.db.write() as uow:
                        await posts_service.create_post(context, uow, author, body, None)
                    made_posts += 1
                    progress.advance(photos)
    return SeedReport(users=names, follows=follows, posts=made_posts)
