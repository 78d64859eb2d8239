#!/usr/bin/env bash
# The getting-started walkthrough, step by step (docs/getting-started.md shows each
# section; tests/app/test_walkthrough.py runs the whole file against a live server).
# --8<-- [start:setup]
# The service runs in another terminal: nox -s serve 2>&1 | tee server.log
set -euo pipefail
PA_BASE=${PA_BASE:-http://127.0.0.1:8000}   # where the service answers
LOG=${LOG:-server.log}                      # its console: mails and texts land here
MANAGE=${MANAGE:-nox -s manage --}          # its command line
EMAIL=${EMAIL:-ada@example.com}
PASSWORD=${PASSWORD:-'correct horse battery staple'}
HANDSET=${HANDSET:-+15550000001}            # a phone that texts the assistant
api() {  # api METHOD PATH [JSON]: call the API, print the answer's body, fail on 4xx/5xx
  curl -sS --fail-with-body -X "$1" "$PA_BASE$2" -H 'Content-Type: application/json' \
    ${ACCESS:+-H "Authorization: Bearer $ACCESS"} ${3:+-d "$3"}
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }  # field '["id"]'
# --8<-- [end:setup]

# --8<-- [start:register]
api POST /api/v1/auth/register "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"
sleep 1  # the verification mail is written to the console
VERIFY_TOKEN=$(grep -o 'verify-email?token=[^[:space:]]*' "$LOG" | tail -n 1 | cut -d= -f2)
api POST /api/v1/auth/verify-email "{\"token\": \"$VERIFY_TOKEN\"}"
# --8<-- [end:register]

# --8<-- [start:login]
PAIR=$(api POST /api/v1/auth/login "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}")
ACCESS=$(echo "$PAIR" | field '["access_token"]')
REFRESH=$(echo "$PAIR" | field '["refresh_token"]')
api GET /api/v1/users/me                     # email_verified: true
PAIR=$(api POST /api/v1/auth/refresh "{\"refresh_token\": \"$REFRESH\"}")
ACCESS=$(echo "$PAIR" | field '["access_token"]')   # a new pair; the old refresh token is spent
# --8<-- [end:login]

# --8<-- [start:totp]
SECRET=$(api POST /api/v1/auth/mfa/totp/setup | field '["secret"]')
api POST /api/v1/auth/mfa/totp/confirm "{\"code\": \"$(oathtool --totp -b "$SECRET")\"}"
CHALLENGE=$(api POST /api/v1/auth/login "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}")
MFA_TOKEN=$(echo "$CHALLENGE" | field '["mfa_token"]')   # mfa_required: true
# a code works once: take the next one (one step of clock drift is accepted)
CODE=$(oathtool --totp -b -N "now + 30 seconds" "$SECRET")
ACCESS=$(api POST /api/v1/auth/mfa/verify \
  "{\"mfa_token\": \"$MFA_TOKEN\", \"method\": \"totp\", \"code\": \"$CODE\"}" \
  | field '["access_token"]')
# --8<-- [end:totp]

# --8<-- [start:conversations]
CONVERSATION=$(api POST /api/v1/conversations '{"title": "Errands"}' | field '["id"]')
api POST "/api/v1/conversations/$CONVERSATION/messages" '{"body": "buy oat milk on Friday"}'
api GET '/api/v1/conversations/search?q=milk'          # the message, best match first
# --8<-- [end:conversations]

# --8<-- [start:admin]
$MANAGE users promote "$EMAIL" --role administrator
USER_ID=$(api GET /api/v1/users/me | field '["id"]')
api GET /api/v1/admin/users                          # needs users:read: an administrator's
NUMBER=$(api POST /api/v1/admin/sms/numbers "{\"user_id\": \"$USER_ID\"}" | field '["phone_number"]')
# --8<-- [end:admin]

# --8<-- [start:sms]
$MANAGE sms simulate --to "$NUMBER" --from "$HANDSET" "remind me to call the dentist"
sleep 1  # the assistant answers in the background
TEXTS=$(api GET /api/v1/conversations | field '["items"][0]["id"]')   # "Text messages"
api GET "/api/v1/conversations/$TEXTS/messages"      # the text in, the assistant's reply out
api GET /api/v1/sms/usage                            # counted at once: 1 in, 1 out
# --8<-- [end:sms]
