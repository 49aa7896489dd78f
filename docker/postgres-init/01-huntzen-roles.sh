#!/bin/sh
# Runs once, when the postgres container initialises an empty volume (docker-entrypoint-initdb.d).
# Creates the three roles of ARCHITECTURE §4 with passwords from the environment, and hands the
# database to huntzen_owner, which then runs the migrations. The SQL is in huntzen-roles.psql
# (an extension the image's entrypoint does not execute by itself).
set -eu
: "${HUNTZEN_OWNER_PASSWORD:?HUNTZEN_OWNER_PASSWORD is required}"
: "${HUNTZEN_APP_PASSWORD:?HUNTZEN_APP_PASSWORD is required}"
: "${HUNTZEN_SYSTEM_PASSWORD:?HUNTZEN_SYSTEM_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner_password="$HUNTZEN_OWNER_PASSWORD" \
  -v app_password="$HUNTZEN_APP_PASSWORD" \
  -v system_password="$HUNTZEN_SYSTEM_PASSWORD" \
  -f "$(dirname "$0")/huntzen-roles.psql"
