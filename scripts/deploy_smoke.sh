#!/usr/bin/env bash
# Deployment smoke test: Panah in production mode on PostgreSQL under gunicorn, as deployed.
#
#   scripts/deploy_smoke.sh            (needs PostgreSQL on 127.0.0.1:5432 as user postgres)
#
# 1. creates a database of its own (panah_smoke) and the secret files, sets only PANAH_*
#    variables, migrates, and requires `panah check --deploy` to report no issues;
# 2. starts gunicorn with deploy/gunicorn.conf.py on a loopback port and checks, speaking as
#    nginx would: plain HTTP is redirected to HTTPS; the login page is served with HSTS, a CSP
#    carrying a nonce, X-Frame-Options, nosniff and __Host- cookies marked Secure;
# 3. backs up (pg_dump inside an encrypted archive, and the key shares archive), verifies both,
#    restores them into a second, never-migrated database with an empty files folder and an
#    empty share folder, and reads a decrypted person and the audit chain there.
# Everything it creates is removed at the end; nothing leaves the loopback interface.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PANAH="$ROOT/.venv/bin/panah"
PG="postgres://postgres@127.0.0.1:5432"
DB=panah_smoke
DB2=panah_smoke_restore
WORK=$(mktemp -d /tmp/panah-smoke-XXXXXX)
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

step "A database of our own, secrets in files, production settings"
pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL is not running on 127.0.0.1:5432"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
mkdir -p "$WORK/keys" "$WORK/var" && chmod 700 "$WORK/keys"
"$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$WORK/keys/secret_key"
export PANAH_MODE=production
export PANAH_SECRET_KEY_FILE="$WORK/keys/secret_key"
export PANAH_ALLOWED_HOSTS=127.0.0.1
export PANAH_DATABASE_URL="$PG/$DB"
export PANAH_MASTER_KEY_FILE="$WORK/keys/master.key"
export PANAH_VAR_DIR="$WORK/var"
export PANAH_FILES_DIR="$WORK/var/files"
cd "$ROOT"
"$PANAH" migrate --noinput -v 0
"$PANAH" keys init >/dev/null
"$PANAH" backup new-key "$WORK/keys/backup.key" >/dev/null

step "panah check --deploy"
check=$("$PANAH" check --deploy 2>&1) || fail "check --deploy: $check"
echo "$check"
echo "$check" | grep -q "System check identified no issues" || fail "check --deploy reported issues"

step "Some data: an organisation and an encrypted person"
"$PANAH" shell -v 0 -c "
from django_scopes import scope
from panah.core.models import Organisation
from panah.people.services import create_person
org = Organisation.objects.create(name='Smoke', slug='smoke')
with scope(organisation=org):
    p = create_person(organisation=org, by=None, given_name_latin='Narges', family_name_latin='Hosseini')
print(p.pk)" > "$WORK/person_id"

step "gunicorn with deploy/gunicorn.conf.py"
PORT=$("$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ROOT/.venv/bin/python" -m gunicorn panah.wsgi:application -c deploy/gunicorn.conf.py \
    --bind "127.0.0.1:$PORT" --workers 2 --threads 2 &
SERVER_PID=$!
for _ in $(seq 1 60); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/login/" && break
    sleep 0.5
done

step "Plain HTTP is redirected to HTTPS"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PORT/login/")
echo "$code"
[[ "$code" == "301 https://127.0.0.1:$PORT/login/" ]] || fail "expected a redirect to https, got $code"

step "The login page over HTTPS (as forwarded by nginx), with its security headers"
headers=$(curl -s -D - -o "$WORK/login.html" -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT/login/")
echo "$headers" | grep -i -E '^(HTTP|strict-transport|content-security|x-frame|x-content-type|referrer-policy|set-cookie)'
echo "$headers" | grep -q '^HTTP/1.1 200' || fail "the login page was not served"
echo "$headers" | grep -qi '^strict-transport-security: max-age=31536000; includeSubDomains' || fail "no HSTS"
echo "$headers" | grep -qi "^content-security-policy: .*script-src 'self' 'nonce-" || fail "no CSP with a nonce"
echo "$headers" | grep -qi "^content-security-policy: .*frame-ancestors 'none'" || fail "CSP lacks frame-ancestors"
echo "$headers" | grep -qi '^x-frame-options: DENY' || fail "no X-Frame-Options"
echo "$headers" | grep -qi '^x-content-type-options: nosniff' || fail "no nosniff"
echo "$headers" | grep -qi '^set-cookie: __Host-csrftoken=.*; Secure' || fail "the CSRF cookie is not __Host- and Secure"
grep -q 'csrfmiddlewaretoken' "$WORK/login.html" || fail "the login form is missing"
grep -q -E 'https?://[a-z]' "$WORK/login.html" && grep -o -E '(src|href)="https?://[^"]+"' "$WORK/login.html" \
    && fail "the page loads something from another site"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

step "Backup (pg_dump in an encrypted archive), verify, restore into a fresh database"
"$PANAH" backup --output "$WORK/backups" --key-file "$WORK/keys/backup.key" 2>/dev/null
archive=$(ls -1 "$WORK"/backups/panah-backup-*.panah)
"$PANAH" backup verify "$archive" --key-file "$WORK/keys/backup.key" 2>/dev/null
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" -c "CREATE DATABASE $DB2"
export PANAH_DATABASE_URL="$PG/$DB2"
export PANAH_FILES_DIR="$WORK/var/files-restored"
shares=$(ls -1 "$WORK"/backups/panah-keyshares-*.panah)
"$PANAH" backup verify "$shares" --key-file "$WORK/keys/backup.key" 2>/dev/null
# A new machine: the share folder is lost with the old one and comes back from the archive.
mv "$WORK/keys/data-key-shares" "$WORK/keys/data-key-shares.old"
"$PANAH" restore "$archive" --key-shares "$shares" --key-file "$WORK/keys/backup.key" 2>/dev/null
"$PANAH" audit verify
name=$("$PANAH" shell -v 0 -c "
from django_scopes import scopes_disabled
from panah.people.models import Person
with scopes_disabled():
    p = Person.objects.get(pk='$(cat "$WORK/person_id")')
print(p.given_name_latin, p.family_name_latin)")
echo "restored person: $name"
[[ "$name" == "Narges Hosseini" ]] || fail "the restored person does not decrypt"

printf '\nDeployment smoke test passed.\n'
