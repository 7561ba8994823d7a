"""What an Instagram "Download your information" archive (JSON format) contains, read into
plain items. Two layouts exist: older exports keep `content/posts_1.json` at the root,
newer ones under `your_instagram_activity/`; either may sit inside one top-level folder
(an archive re-zipped by hand). Media `uri`s are relative to the archive's root."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple, TypedDict

from shutter.portability.archive import ArchiveRefused, EntryRefused, SafeArchive
from shutter.portability.export_format import FORMAT

_POSTS = re.compile(
    r"^(?P<root>(?:[^/]+/)?)(?:your_instagram_activity/)?content/posts_(?P<n>\d+)\.json$"
)
_STORIES = re.compile(r"^(?P<root>(?:[^/]+/)?)(?:your_instagram_activity/)?content/stories\.json$")
_PROFILE = re.compile(
    r"^(?P<root>(?:[^/]+/)?)personal_information/(?:personal_information/)?"
    r"personal_information\.json$"
)


class InstagramMedia(TypedDict, total=False):
    """A medium as Instagram's JSON describes it (an entry of a post's `media`, or a story
    record, which is itself one medium): the keys read, their values still unchecked."""

    uri: object
    creation_timestamp: object  # unix seconds
    title: object


class InstagramPost(InstagramMedia, total=False):
    """A post record of `posts_N.json`: a medium's keys (its own time and title) and its
    `media`."""

    media: object


class Unreadable(NamedTuple):
    """An item the archive describes but that cannot be understood."""

    label: str  # how the report names it
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class MediaRef:
    uri: str  # resolved to an entry name of the archive
    taken_at: int | None  # unix seconds


@dataclass(frozen=True, slots=True)
class ArchivedItem:
    """A post or an archived story: its key says what it is across archives (the same item
    of a later export of the same account has the same key)."""

    kind: str  # "post" | "story"
    key: str
    label: str  # how the report names it (its first file)
    taken_at: int
    caption: str
    media: tuple[MediaRef, ...]


@dataclass(slots=True)
class Profile:
    display_name: str | None = None
    bio: str | None = None
    picture: str | None = None


@dataclass(slots=True)
class ArchiveContents:
    items: list[ArchivedItem] = field(default_factory=list)
    profile: Profile | None = None
    unreadable: list[Unreadable] = field(default_factory=list)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 2**40:
        return value
    return None


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _item_key(kind: str, taken_at: int, uris: list[str]) -> str:
    return hashlib.sha256((f"{kind}\n{taken_at}\n" + "\n".join(uris)).encode()).hexdigest()


def _resolve(archive: SafeArchive, root: str, uri: str) -> str:
    """An entry name for a uri: relative to the archive's root folder, else as written."""
    if root and f"{root}{uri}" in archive.entries:
        return f"{root}{uri}"
    return uri


def _records(data: object, *keys: str) -> list[object]:
    """The list of records of a JSON file: the file itself, or its list under a known key."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return list(data[key])
    return []


def _item(
    archive: SafeArchive, root: str, kind: str, record: object, caption_limit: int
) -> ArchivedItem | Unreadable:
    """One post (an `InstagramPost`) or story (an `InstagramMedia`)."""
    if not isinstance(record, dict):
        return Unreadable("?", "invalid_item", f"A {kind} is not described in a known way.")
    raw_media = record.get("media") if kind == "post" else [record]
    if not isinstance(raw_media, list) or not raw_media:
        return Unreadable("?", "invalid_item", f"A {kind} lists no media.")
    refs: list[MediaRef] = []
    for medium in raw_media[:20]:  # Instagram allows 10 (20 in newer apps) per carousel
        uri = medium.get("uri") if isinstance(medium, dict) else None
        if not isinstance(uri, str) or not uri:
            return Unreadable("?", "invalid_item", f"A {kind}'s media has no file name.")
        refs.append(MediaRef(_resolve(archive, root, uri), _int(medium.get("creation_timestamp"))))
    first = raw_media[0]
    label = refs[0].uri
    taken_at = _int(record.get("creation_timestamp")) or refs[0].taken_at
    if taken_at is None:
        return Unreadable(label, "invalid_item", f"The {kind} has no creation time.")
    caption = _text(record.get("title"), caption_limit) or _text(first.get("title"), caption_limit)
    uris = [ref.uri for ref in refs]
    return ArchivedItem(
        kind, _item_key(kind, taken_at, uris), label, taken_at, caption, tuple(refs)
    )


def read_contents(archive: SafeArchive, caption_limit: int = 2200) -> ArchiveContents:
    """Posts (all posts_N.json, in order), archived stories and the profile; raises
    ArchiveRefused when the archive holds none of them (not an Instagram export)."""
    contents = ArchiveContents()
    post_files: list[tuple[int, str, str]] = []
    story_files: list[tuple[str, str]] = []
    profile_files: list[tuple[str, str]] = []
    for name in archive.names():
        if match := _POSTS.match(name):
            post_files.append((int(match["n"]), name, match["root"]))
        elif match := _STORIES.match(name):
            story_files.append((name, match["root"]))
        elif match := _PROFILE.match(name):
            profile_files.append((name, match["root"]))
    if not (post_files or story_files or profile_files) and "account.json" in archive.entries:
        return _shutter_export(archive, caption_limit)
    if not (post_files or story_files or profile_files):
        raise ArchiveRefused(
            "not_instagram_archive",
            "This ZIP is not an Instagram export: it has no content/posts_1.json, "
            "content/stories.json or personal_information.json. Download your information "
            "from Instagram in JSON format.",
        )
    sources = [(name, root, "post") for _, name, root in sorted(post_files)]
    sources += [(name, root, "story") for name, root in story_files]
    for name, root, kind in sources:
        try:
            data = archive.read_json(name)
        except EntryRefused as exc:
            contents.unreadable.append(Unreadable(name, exc.code, exc.message))
            continue
        for record in _records(data, "ig_stories" if kind == "story" else "ig_posts"):
            made = _item(archive, root, kind, record, caption_limit)
            if isinstance(made, ArchivedItem):
                contents.items.append(made)
            else:
                contents.unreadable.append(made)
    if profile_files:
        name, root = profile_files[0]
        try:
            contents.profile = _profile(archive.read_json(name), archive, root)
        except EntryRefused as exc:
            contents.unreadable.append(Unreadable(name, exc.code, exc.message))
    # Oldest first: the grid then fills in the order the account posted.
    contents.items.sort(key=lambda item: (item.taken_at, item.kind, item.key))
    return contents


def _profile(data: object, archive: SafeArchive, root: str) -> Profile | None:
    users = _records(data, "profile_user")
    if not users or not isinstance(users[0], dict):
        return None
    user = users[0]
    strings = user.get("string_map_data")
    strings = strings if isinstance(strings, dict) else {}

    def value(*names: str) -> str | None:
        for name in names:
            entry = strings.get(name)
            if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                return str(entry["value"])
        return None

    media = user.get("media_map_data")
    picture = None
    if isinstance(media, dict):
        photo = media.get("Profile Photo")
        if isinstance(photo, dict) and isinstance(photo.get("uri"), str) and photo["uri"]:
            picture = _resolve(archive, root, photo["uri"])
    return Profile(display_name=value("Name"), bio=value("Bio"), picture=picture)


def _shutter_export(archive: SafeArchive, caption_limit: int) -> ArchiveContents:
    """Shutter's own export (exporter.py): the same items, so that an account moves
    between two Shutter servers the way it came from Instagram."""
    account = archive.read_json("account.json", repair=False)
    if not isinstance(account, dict) or account.get("format") != FORMAT:
        raise ArchiveRefused("not_instagram_archive", "This ZIP is not an Instagram export.")
    contents = ArchiveContents()
    profile = account.get("profile")
    if isinstance(profile, dict):
        contents.profile = Profile(
            display_name=profile.get("display_name") or None, bio=profile.get("bio") or None
        )
    for name, kind in (("posts.json", "post"), ("stories.json", "story")):
        if name not in archive.entries:
            continue
        try:
            records = _records(archive.read_json(name, repair=False))
        except EntryRefused as exc:
            contents.unreadable.append(Unreadable(name, exc.code, exc.message))
            continue
        for record in records:
            if not isinstance(record, dict):
                continue
            files = record.get("media")
            files = [files] if isinstance(files, dict) else files
            if not isinstance(files, list):
                continue
            # An entry of posts.json or stories.json (export_format) as Instagram has it.
            media: list[InstagramMedia] = [
                {"uri": item.get("file")} for item in files if isinstance(item, dict)
            ]
            converted: InstagramPost = {
                "title": record.get("caption"),
                "creation_timestamp": record.get("creation_timestamp"),
                "media": media,
            }
            if kind == "story":
                if not media:
                    continue
                converted["uri"] = media[0].get("uri")  # a story is its one medium
            made = _item(archive, "", kind, converted, caption_limit)
            if isinstance(made, ArchivedItem):
                contents.items.append(made)
            else:
                contents.unreadable.append(made)
    contents.items.sort(key=lambda item: (item.taken_at, item.kind, item.key))
    return contents
