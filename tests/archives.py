"""Instagram "Download your information" archives (JSON format), built the way Instagram
builds them: text as UTF-8 bytes escaped as Latin-1 code points, media under
media/posts/YYYYMM/, posts in content/posts_N.json (older layout) or under
your_instagram_activity/ (newer)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any


def mojibake(text: str) -> str:
    """How Instagram writes text: each UTF-8 byte as the Latin-1 character of that value."""
    return text.encode("utf-8").decode("latin-1")


@dataclass
class Medium:
    name: str  # file name under media/posts/YYYYMM/
    data: bytes
    taken_at: int
    title: str = ""


@dataclass
class Post:
    media: list[Medium]
    caption: str = ""
    taken_at: int | None = None  # carousels carry their own; single posts use the medium's


@dataclass
class InstagramArchive:
    posts: list[Post] = field(default_factory=list)
    stories: list[Medium] = field(default_factory=list)
    name: str | None = None
    bio: str | None = None
    picture: bytes | None = None
    newer_layout: bool = True
    posts_per_file: int = 2  # splits into posts_1.json, posts_2.json…
    extra_entries: dict[str, bytes] = field(default_factory=dict)

    def _uri(self, folder: str, medium: Medium) -> str:
        month = "202301" if medium.taken_at < 1_700_000_000 else "202312"
        return f"media/{folder}/{month}/{medium.name}"

    def _media_record(self, folder: str, medium: Medium) -> dict[str, Any]:
        return {
            "uri": self._uri(folder, medium),
            "creation_timestamp": medium.taken_at,
            "title": mojibake(medium.title),
            "media_metadata": {"photo_metadata": {"exif_data": [{"iso": 100}]}},
        }

    def build(self) -> bytes:
        content = "your_instagram_activity/content" if self.newer_layout else "content"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            records = []
            for post in self.posts:
                for medium in post.media:
                    archive.writestr(self._uri("posts", medium), medium.data)
                record: dict[str, Any] = {
                    "media": [self._media_record("posts", medium) for medium in post.media]
                }
                if len(post.media) > 1:  # carousels: caption and time on the post
                    record["title"] = mojibake(post.caption)
                    record["creation_timestamp"] = post.taken_at or post.media[0].taken_at
                else:
                    record["media"][0]["title"] = mojibake(post.caption)
                records.append(record)
            for index in range(0, max(len(records), 1), self.posts_per_file):
                chunk = records[index : index + self.posts_per_file]
                if chunk:
                    name = f"{content}/posts_{index // self.posts_per_file + 1}.json"
                    archive.writestr(name, json.dumps(chunk))
            if self.stories:
                for medium in self.stories:
                    archive.writestr(self._uri("stories", medium), medium.data)
                stories = [self._media_record("stories", medium) for medium in self.stories]
                archive.writestr(f"{content}/stories.json", json.dumps({"ig_stories": stories}))
            if self.name is not None or self.bio is not None:
                strings = {
                    "Name": {"value": mojibake(self.name or ""), "href": ""},
                    "Bio": {"value": mojibake(self.bio or ""), "href": ""},
                    "Username": {"value": "someone", "href": ""},
                }
                user: dict[str, Any] = {"string_map_data": strings}
                if self.picture is not None:
                    uri = "media/other/profile.jpg"
                    archive.writestr(uri, self.picture)
                    user["media_map_data"] = {
                        "Profile Photo": {"uri": uri, "creation_timestamp": 1_500_000_000}
                    }
                folder = (
                    "personal_information/personal_information"
                    if self.newer_layout
                    else "personal_information"
                )
                archive.writestr(
                    f"{folder}/personal_information.json", json.dumps({"profile_user": [user]})
                )
            archive.writestr("index.html", "<html>Your information</html>")
            for name, data in self.extra_entries.items():
                archive.writestr(name, data)
        return out.getvalue()
