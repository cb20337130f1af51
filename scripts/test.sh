#!/usr/bin/env bash
# The whole suite: unit and browser tests on the embedded default (SQLite,
# tasks in-process), then the integration suite against real PostgreSQL, Redis
# and a live Celery worker. Under CI=true the integration suite is mandatory
# and fails when a service is missing; elsewhere it runs when they are reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
# One signing-key and one media directory, shared by the tests and the
# workers they start, never the developer's own.
PAMOJA_KEY_DIR="$(mktemp -d -t pamoja-test-keys-XXXXXX)"
DJANGO_MEDIA_ROOT="$(mktemp -d -t pamoja-test-media-XXXXXX)"
export PAMOJA_KEY_DIR DJANGO_MEDIA_ROOT
trap 'rm -rf "$PAMOJA_KEY_DIR" "$DJANGO_MEDIA_ROOT"' EXIT

.venv/bin/pytest --ignore=tests/integration "$@"

export PAMOJA_TEST_DATABASE_URL="${PAMOJA_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pamoja}"
export PAMOJA_TEST_REDIS_URL="${PAMOJA_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
if [ "${CI:-}" != "true" ] && ! .venv/bin/python scripts/services_up.py; then
  echo "Integration suite not run: PostgreSQL or Redis is not reachable here (CI=true makes it mandatory)."
  exit 0
fi
DATABASE_URL="$PAMOJA_TEST_DATABASE_URL" REDIS_URL="$PAMOJA_TEST_REDIS_URL" \
  .venv/bin/pytest tests/integration "$@"
