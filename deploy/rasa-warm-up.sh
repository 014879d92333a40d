#!/bin/sh
# Wait until a Rasa server has loaded its model, then send it one message, so that the first citizen does not
# pay for the lazy loading (jieba, TensorFlow graph tracing, the action server's index). Used by
# govchat-rasa@.service as ExecStartPost; `make run` and the tests do the same in govchat/stack.py.
#   deploy/rasa-warm-up.sh http://127.0.0.1:5005     (token from GOVCHAT_RASA_TOKEN)
set -eu
url=${1:?usage: $0 RASA_URL}
token=${GOVCHAT_RASA_TOKEN:?GOVCHAT_RASA_TOKEN is not set}
deadline=$(( $(date +%s) + ${WARM_UP_TIMEOUT:-280} ))
until curl -fsS --max-time 3 "$url/status?token=$token" 2>/dev/null | grep -q '"model_id": *"[^"]'; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "rasa at $url not ready in time" >&2; exit 1; }
  sleep 1
done
curl -fsS --max-time 120 -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"sender\": \"govchat-warm-up-$(date +%s%N)\", \"message\": \"身份证丢了怎么补办\", \"metadata\": {\"channel\": \"warm-up\"}}" \
  "$url/webhooks/govchat/webhook"
echo "rasa at $url warmed up"
