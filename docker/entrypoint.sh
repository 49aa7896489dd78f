#!/bin/sh
# Container entrypoint. The api applies pending migrations first, as the owner role (huntzen_owner):
# the api itself connects as huntzen_app / huntzen_system, which may not change the schema.
# Several api replicas may start together: Prisma's advisory lock serialises `migrate deploy`.
set -eu

if [ "${RUN_MIGRATIONS:-false}" = "true" ]; then
  if [ -z "${MIGRATE_DATABASE_URL:-}" ]; then
    echo "entrypoint: MIGRATE_DATABASE_URL (the huntzen_owner connection) is required to migrate; set RUN_MIGRATIONS=false to skip" >&2
    exit 1
  fi
  echo "entrypoint: prisma migrate deploy"
  DATABASE_URL="$MIGRATE_DATABASE_URL" node scripts/prisma.mjs migrate deploy
fi

exec "$@"
