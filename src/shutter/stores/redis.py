"""The Redis client of the distributed profile: one per process, shared by the timeline
store, the real-time bus, the rate limiter's tickets and the id generator's node numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

RedisClient = Redis | RedisCluster


def open_redis(
    url: str, *, connect_timeout_s: float | None = None, timeout_s: float | None = None
) -> RedisClient:
    """A Redis client: `redis+cluster://host:port` (or a comma-separated list of node URLs)
    selects Redis Cluster, discovering the other nodes from the ones named. The timeouts
    bound each connection attempt and each reply."""
    timeouts: dict[str, Any] = {
        name: value
        for name, value in (
            ("socket_connect_timeout", connect_timeout_s),
            ("socket_timeout", timeout_s),
        )
        if value is not None  # else the library's defaults
    }
    if url.startswith("redis+cluster://") or "," in url:
        nodes = []
        for part in url.split(","):
            address = part.split("://", 1)[-1].rsplit("@", 1)[-1].split("/", 1)[0]
            host, _, port = address.partition(":")
            nodes.append(ClusterNode(host, int(port or 6379)))
        return RedisCluster(startup_nodes=nodes, **timeouts)
    return Redis.from_url(url, **timeouts)


def is_single_node(redis: RedisClient) -> TypeGuard[Redis]:
    """Real-time events go over Redis pub/sub only on a single node (not Redis Cluster)."""
    return isinstance(redis, Redis)


async def run_script_pipelined(
    client: Redis, script: AsyncScript, calls: Sequence[tuple[Sequence[Any], Sequence[Any]]]
) -> list[Any]:
    """`script` once per (keys, args) in `calls`, in one pipeline, by its SHA: one round
    trip. (redis-py's own pipelined script call first asks `SCRIPT EXISTS`, a round trip
    more on every pipeline.) Loaded and run again if the server has forgotten it (a
    restart); any other error reply is raised."""

    async def run() -> list[Any]:
        async with client.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        return replies

    replies = await run()
    if any(isinstance(reply, NoScriptError) for reply in replies):
        await client.script_load(script.script)
        replies = await run()
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
