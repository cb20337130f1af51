"""Exit 0 when the integration suite's PostgreSQL and Redis answer, else 1."""

import os
import sys

import psycopg
import redis


def main() -> int:
    try:
        url = os.environ["PAMOJA_TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        psycopg.connect(url, connect_timeout=2).close()
        redis.Redis.from_url(
            os.environ["PAMOJA_TEST_REDIS_URL"], socket_timeout=2
        ).ping()
    except (psycopg.Error, redis.RedisError, OSError) as exc:
        print(f"not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
