#!/usr/bin/env bash
# Deploy sheetsync to Google Cloud: service accounts, IAM, the flyer bucket, the three gen2 Cloud
# Functions, the Cloud Scheduler job(s) and the Workspace add-on. Safe to re-run: existing
# resources are updated, not duplicated. Read deploy/README.md first; it explains every step,
# variable and number.
#
#   PROJECT=my-project SPREADSHEET_ID=1AbC... deploy/deploy.sh
#   DRY_RUN=1 PROJECT=... SPREADSHEET_ID=... deploy/deploy.sh    # print the commands only
#   FLEET=1 PROJECT=... OAUTH_CLIENT_ID=... OAUTH_CLIENT_SECRET_FILE=... deploy/deploy.sh
#                        # fleet mode: many therapists' Sheets (deploy/README.md, "Fleet mode")
set -euo pipefail

die() { echo "deploy.sh: $*" >&2; exit 1; }

# --- settings (environment variables, with defaults) ----------------------------------------------
PROJECT="${PROJECT:-}"                       # required: the Google Cloud project id
REGION="${REGION:-us-central1}"              # functions, scheduler jobs and topic live here
SPREADSHEET_ID="${SPREADSHEET_ID:-}"         # required: the Sheet the scheduled sync reads
CALENDAR_ID="${CALENDAR_ID:-}"               # optional: the scheduled sync's calendar, over Settings
SCHEDULE="${SCHEDULE:-0 7 * * *}"            # cron: every day at 07:00 ...
TIME_ZONE="${TIME_ZONE:-Etc/UTC}"            # ... in this time zone (use yours, e.g. Australia/Sydney)
SCHEDULER_MODE="${SCHEDULER_MODE:-http}"     # http | pubsub | both | none
SYNC_HTTP_AUTH="${SYNC_HTTP_AUTH:-iam}"      # iam (IAM checks the OIDC token) | in-function
GMAIL_AUTH="${GMAIL_AUTH:-token}"            # token (refresh token in Secret Manager) | delegation | none
GMAIL_SECRET="${GMAIL_SECRET:-sheetsync-gmail-token}"   # Secret Manager secret holding the token
GMAIL_TOKEN_JSON="${GMAIL_TOKEN_JSON:-}"     # optional local authorized-user JSON to upload as a new version
DELEGATE_SUBJECT="${DELEGATE_SUBJECT:-}"     # required when GMAIL_AUTH=delegation: the user to act as
FLYER_BUCKET="${FLYER_BUCKET:-}"             # bucket holding the flyer; default PROJECT-sheetsync-flyers
DEPLOY_ADDON="${DEPLOY_ADDON:-1}"            # 1: deploy and install the Workspace add-on
ADDON_AUTH="${ADDON_AUTH:-iam}"              # iam (only the add-on's Google account may call) | public
ADDON_MAX_INSTANCES="${ADDON_MAX_INSTANCES:-3}"  # add-on instances at most, 8 requests each
ADDON_DEPLOYMENT="${ADDON_DEPLOYMENT:-sheetsync}"      # add-on deployment id
ADDON_LOGO_URL="${ADDON_LOGO_URL:-https://www.gstatic.com/images/icons/material/system/1x/sync_black_48dp.png}"
ADDON_TIME_BUDGET_S="${ADDON_TIME_BUDGET_S:-25}"
LOG_LEVEL="${LOG_LEVEL:-INFO}"
DRY_RUN="${DRY_RUN:-0}"                      # 1: print every gcloud command instead of running it
# Fleet mode (deploy/README.md, "Fleet mode"): a registry of enrolled Sheets, an hourly dispatcher,
# a Cloud Tasks queue and a worker, instead of one scheduled Sheet.
FLEET="${FLEET:-0}"                          # 1: fleet mode (SPREADSHEET_ID is then not used)
FIRESTORE_LOCATION="${FIRESTORE_LOCATION:-nam5}"  # the registry's Firestore location
OAUTH_CLIENT_ID="${OAUTH_CLIENT_ID:-}"       # the web OAuth client of the daily sync's consent
OAUTH_CLIENT_SECRET_FILE="${OAUTH_CLIENT_SECRET_FILE:-}"  # optional: a file holding its secret, uploaded
DELEGATION_DOMAINS="${DELEGATION_DOMAINS:-}" # optional: Workspace domains enrolled by delegation (space-separated)

# Resource names. Function names use hyphens: gen2 functions are Cloud Run services.
SYNC_HTTP_FN="${SYNC_HTTP_FN:-sync-http}"
SYNC_PUBSUB_FN="${SYNC_PUBSUB_FN:-sync-pubsub}"
ADDON_FN="${ADDON_FN:-addon}"
TOPIC="${TOPIC:-sheetsync-sync}"
JOB_HTTP="${JOB_HTTP:-sheetsync-daily-http}"
JOB_PUBSUB="${JOB_PUBSUB:-sheetsync-daily-pubsub}"
RUNTIME_SA_NAME="${RUNTIME_SA_NAME:-sheetsync-runtime}"   # identity of the two sync functions
INVOKER_SA_NAME="${INVOKER_SA_NAME:-sheetsync-invoker}"   # Scheduler OIDC + Eventarc trigger identity
ADDON_SA_NAME="${ADDON_SA_NAME:-sheetsync-addon}"         # identity of the add-on function
FLEET_DISPATCH_FN="${FLEET_DISPATCH_FN:-fleet-dispatch}"
FLEET_WORKER_FN="${FLEET_WORKER_FN:-fleet-worker}"
OAUTH_CALLBACK_FN="${OAUTH_CALLBACK_FN:-oauth-callback}"
FLEET_QUEUE="${FLEET_QUEUE:-sheetsync-fleet}"
JOB_FLEET="${JOB_FLEET:-sheetsync-fleet-dispatch}"
FLEET_SA_NAME="${FLEET_SA_NAME:-sheetsync-fleet}"        # the dispatcher, the worker, the callback
TASKS_SA_NAME="${TASKS_SA_NAME:-sheetsync-tasks}"        # the OIDC identity of each task (worker invoker)
OAUTH_SECRET="${OAUTH_SECRET:-sheetsync-oauth-client-secret}"
STATE_KEY_SECRET="${STATE_KEY_SECRET:-sheetsync-oauth-state-key}"
TENANT_SECRETS_ROLE="${TENANT_SECRETS_ROLE:-sheetsyncTenantSecrets}"

# Fixed numbers (deploy/README.md, "Retries and overlap" and "Add-on capacity", says why).
SYNC_TIMEOUT_S=540          # the longest an event-driven gen2 function may run
ATTEMPT_DEADLINE_S=600      # Scheduler gives up on an attempt after this: > SYNC_TIMEOUT_S
SCHEDULER_MIN_BACKOFF_S=120 # first retry after 2 min, the second after 4
ACK_DEADLINE_S=600          # Pub/Sub's maximum; > SYNC_TIMEOUT_S
ADDON_CONCURRENCY=8         # requests one add-on instance serves at once: 1 GiB holds 8 syncs
FLYER_MOUNT="/mnt/sheetsync-flyers"  # where the flyer bucket appears in the functions
FLYER_VOLUME="sheetsync-flyers"
GMAIL_DELEGATION_SCOPES="https://www.googleapis.com/auth/gmail.compose,https://www.googleapis.com/auth/gmail.readonly"
# The fleet's queue, from the Sheets quota (sheetsync/core/fleet/rates.py computes the same, and
# tests/test_deploy_files.py checks they agree): 300 requests a minute per project, 3 per first
# sync, 80 % of that for the queue (the add-on's own syncs and the retries use the rest).
SHEETS_PROJECT_PER_MIN=300
SHEETS_REQUESTS_PER_SYNC=3
QUEUE_HEADROOM_PERCENT=80
TYPICAL_SYNC_S=15
RATE_HUNDREDTHS=$((SHEETS_PROJECT_PER_MIN * QUEUE_HEADROOM_PERCENT * 100 / (100 * SHEETS_REQUESTS_PER_SYNC * 60)))
FLEET_RATE="$((RATE_HUNDREDTHS / 100)).$(printf '%02d' $((RATE_HUNDREDTHS % 100)))"
FLEET_CONCURRENCY=$(((RATE_HUNDREDTHS * TYPICAL_SYNC_S + 99) / 100))
FLEET_MAX_ATTEMPTS=5
FLEET_MIN_BACKOFF_S=60
FLEET_MAX_BACKOFF_S=3600
FLEET_MAX_DOUBLINGS=4
FLEET_SCHEDULE="5 * * * *"  # every hour, at :05; each tenant is due in its own local hour

# --- validation ---------------------------------------------------------------------------------
[[ -n "$PROJECT" ]] || die "set PROJECT to your Google Cloud project id"
case "$FLEET" in 0 | 1) ;; *) die "FLEET: 0|1" ;; esac
if [[ "$FLEET" == 1 ]]; then
  # Each tenant's sync runs under the tenant's own authority; none of the single-Sheet sync.
  SCHEDULER_MODE=none
  GMAIL_AUTH=none
  [[ -n "$OAUTH_CLIENT_ID" || -n "$DELEGATION_DOMAINS" ]] \
    || die "FLEET=1 needs OAUTH_CLIENT_ID (the consent's web client) or DELEGATION_DOMAINS"
  [[ -z "$OAUTH_CLIENT_ID" || "$OAUTH_CLIENT_ID" =~ ^[0-9A-Za-z._-]+\.apps\.googleusercontent\.com$ ]] \
    || die "OAUTH_CLIENT_ID must be a client id (....apps.googleusercontent.com)"
  for domain in $DELEGATION_DOMAINS; do
    [[ "$domain" =~ ^([a-z0-9-]+\.)+[a-z]{2,63}$ ]] || die "DELEGATION_DOMAINS: not a domain: $domain"
  done
  [[ "$FIRESTORE_LOCATION" =~ ^[a-z0-9-]+$ ]] || die "FIRESTORE_LOCATION must be a location id"
else
  [[ -n "$SPREADSHEET_ID" ]] || die "set SPREADSHEET_ID to the id in the Sheet's URL (/d/<id>/edit)"
  [[ "$SPREADSHEET_ID" =~ ^[A-Za-z0-9_-]+$ ]] || die "SPREADSHEET_ID must be the bare id, not a URL"
fi
case "$SCHEDULER_MODE" in http | pubsub | both | none) ;; *) die "SCHEDULER_MODE: http|pubsub|both|none" ;; esac
case "$SYNC_HTTP_AUTH" in iam | in-function) ;; *) die "SYNC_HTTP_AUTH: iam|in-function" ;; esac
case "$GMAIL_AUTH" in token | delegation | none) ;; *) die "GMAIL_AUTH: token|delegation|none" ;; esac
case "$ADDON_AUTH" in iam | public) ;; *) die "ADDON_AUTH: iam|public" ;; esac
[[ "$ADDON_MAX_INSTANCES" =~ ^[1-9][0-9]{0,2}$ ]] || die "ADDON_MAX_INSTANCES must be 1 to 999"
[[ -n "$FLYER_BUCKET" ]] || FLYER_BUCKET="${PROJECT}-sheetsync-flyers"
# A bare bucket name (no gs://, no dots, which need domain verification), as Cloud Storage allows.
[[ "$FLYER_BUCKET" =~ ^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$ && "$FLYER_BUCKET" != goog* ]] \
  || die "FLYER_BUCKET must be a bare bucket name (3-63 of a-z 0-9 - _, not gs://...)"
if [[ "$GMAIL_AUTH" == delegation && -z "$DELEGATE_SUBJECT" ]]; then
  die "GMAIL_AUTH=delegation needs DELEGATE_SUBJECT (the Workspace user whose drafts are created)"
fi
for value in "$CALENDAR_ID" "$DELEGATE_SUBJECT" "$LOG_LEVEL"; do
  # --set-env-vars separates pairs with commas.
  [[ "$value" != *,* ]] || die "environment values must not contain commas: $value"
done
if [[ "$DRY_RUN" != 1 ]]; then
  command -v gcloud >/dev/null || die "gcloud is not installed (https://cloud.google.com/sdk)"
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$ROOT/main.py" ]] || die "main.py not found in $ROOT"

RUNTIME_SA="${RUNTIME_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
FLEET_SA="${FLEET_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
TASKS_SA="${TASKS_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
INVOKER_SA="${INVOKER_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
ADDON_RUNTIME_SA="${ADDON_SA_NAME}@${PROJECT}.iam.gserviceaccount.com"
# The cloudfunctions.net URL of a gen2 function is known before it exists, which lets the add-on
# be deployed with its own URL as expected token audience in one pass.
FUNCTIONS_BASE="https://${REGION}-${PROJECT}.cloudfunctions.net"
SYNC_HTTP_URL="${FUNCTIONS_BASE}/${SYNC_HTTP_FN}"
ADDON_URL="${ADDON_URL:-${FUNCTIONS_BASE}/${ADDON_FN}}"
FLEET_DISPATCH_URL="${FUNCTIONS_BASE}/${FLEET_DISPATCH_FN}"
FLEET_WORKER_URL="${FUNCTIONS_BASE}/${FLEET_WORKER_FN}"
OAUTH_CALLBACK_URL="${FUNCTIONS_BASE}/${OAUTH_CALLBACK_FN}"
FLEET_QUEUE_PATH="projects/${PROJECT}/locations/${REGION}/queues/${FLEET_QUEUE}"
GMAIL_TOKEN_PATH="/etc/secrets/sheetsync/gmail-token.json"
SYNC_BODY="{\"spreadsheet_id\": \"${SPREADSHEET_ID}\"}"

run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [[ "$DRY_RUN" != 1 ]]; then "$@"; fi
}

# A read-only query whose answer the script needs, printed like run() prints. It runs inside
# $(...), so the command goes to the real stdout (fd 3); a dry run answers with the placeholder.
exec 3>&1
lookup() { # placeholder, command...
  local placeholder="$1"
  shift
  {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  } >&3
  if [[ "$DRY_RUN" == 1 ]]; then echo "$placeholder"; else "$@"; fi
}

# True when a resource exists; in a dry run nothing is looked up and everything is "new".
exists() {
  [[ "$DRY_RUN" != 1 ]] && "$@" >/dev/null 2>&1
}

join_by_comma() { local IFS=,; echo "$*"; }

# Escape a value for the right-hand side of a sed s||| command (& and | are special there).
sed_escape() { printf '%s' "$1" | sed -e 's/[&|\\]/\\&/g'; }

# Upload only what the functions run. `--source .` would also ship .venv, tests and any token
# file lying in the checkout (the repo has no .gcloudignore).
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/source"
tar -C "$ROOT" --exclude='__pycache__' --exclude='*.pyc' -cf - \
  main.py requirements.txt sheetsync sheet_template | tar -C "$STAGE/source" -xf -

gc=(gcloud --project="$PROJECT" --quiet)

# --- 1. APIs ------------------------------------------------------------------------------------
apis=(cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com
  artifactregistry.googleapis.com eventarc.googleapis.com pubsub.googleapis.com
  cloudscheduler.googleapis.com secretmanager.googleapis.com sheets.googleapis.com
  calendar-json.googleapis.com gmail.googleapis.com storage.googleapis.com)
[[ "$DEPLOY_ADDON" == 1 ]] && apis+=(gsuiteaddons.googleapis.com)
[[ "$GMAIL_AUTH" == delegation ]] && apis+=(iamcredentials.googleapis.com)
if [[ "$FLEET" == 1 ]]; then
  apis+=(firestore.googleapis.com cloudtasks.googleapis.com drive.googleapis.com)
  [[ -n "$DELEGATION_DOMAINS" ]] && apis+=(iamcredentials.googleapis.com)
fi
run "${gc[@]}" services enable "${apis[@]}"

# --- 2. Service accounts ------------------------------------------------------------------------
create_sa() { # name, display name
  if ! exists "${gc[@]}" iam service-accounts describe "$1@${PROJECT}.iam.gserviceaccount.com"; then
    run "${gc[@]}" iam service-accounts create "$1" --display-name="$2"
  fi
}
create_sa "$RUNTIME_SA_NAME" "sheetsync sync functions (Sheets, Calendar, Gmail secret)"
create_sa "$INVOKER_SA_NAME" "sheetsync scheduler/trigger invoker"
[[ "$DEPLOY_ADDON" == 1 ]] && create_sa "$ADDON_SA_NAME" "sheetsync add-on endpoint (reads the flyers)"
if [[ "$FLEET" == 1 ]]; then
  create_sa "$FLEET_SA_NAME" "sheetsync fleet: dispatcher, worker, OAuth callback"
  create_sa "$TASKS_SA_NAME" "sheetsync fleet: the OIDC identity of each task"
fi

# --- 3. Gmail credentials -----------------------------------------------------------------------
sync_env=("SHEETSYNC_BACKEND=google" "SHEETSYNC_SPREADSHEET_ID=${SPREADSHEET_ID}"
  "SHEETSYNC_LOG_LEVEL=${LOG_LEVEL}" "SHEETSYNC_FLYER_DIR=${FLYER_MOUNT}")
[[ -n "$CALENDAR_ID" ]] && sync_env+=("SHEETSYNC_CALENDAR_ID=${CALENDAR_ID}")
secret_flags=()
case "$GMAIL_AUTH" in
  token)
    if ! exists "${gc[@]}" secrets describe "$GMAIL_SECRET"; then
      [[ -n "$GMAIL_TOKEN_JSON" || "$DRY_RUN" == 1 ]] \
        || die "secret $GMAIL_SECRET does not exist: set GMAIL_TOKEN_JSON to the authorized-user JSON"
      run "${gc[@]}" secrets create "$GMAIL_SECRET" --replication-policy=automatic
    fi
    if [[ -n "$GMAIL_TOKEN_JSON" ]]; then
      [[ -f "$GMAIL_TOKEN_JSON" || "$DRY_RUN" == 1 ]] || die "GMAIL_TOKEN_JSON: no such file"
      run "${gc[@]}" secrets versions add "$GMAIL_SECRET" --data-file="$GMAIL_TOKEN_JSON"
    fi
    # Only the sync functions' identity may read the refresh token, on this one secret.
    run "${gc[@]}" secrets add-iam-policy-binding "$GMAIL_SECRET" \
      --member="serviceAccount:${RUNTIME_SA}" --role=roles/secretmanager.secretAccessor
    secret_flags=(--set-secrets="${GMAIL_TOKEN_PATH}=${GMAIL_SECRET}:latest")
    sync_env+=("SHEETSYNC_GMAIL_TOKEN_FILE=${GMAIL_TOKEN_PATH}")
    ;;
  delegation)
    # Functions run with metadata-server credentials, which cannot sign the delegation JWT
    # themselves; they ask IAM to sign it (signJwt), which needs Token Creator on the account
    # itself. Granted on this one service account, not project-wide.
    run "${gc[@]}" iam service-accounts add-iam-policy-binding "$RUNTIME_SA" \
      --member="serviceAccount:${RUNTIME_SA}" --role=roles/iam.serviceAccountTokenCreator
    sync_env+=("SHEETSYNC_DELEGATE_SUBJECT=${DELEGATE_SUBJECT}")
    ;;
  none) ;;
esac

# --- 4. The flyer bucket -------------------------------------------------------------------------
# The GP cover note attaches the file named in Settings > Flyer file, read from this bucket
# mounted read-only at $FLYER_MOUNT. Each function's identity may read this bucket, nothing more.
if ! exists "${gc[@]}" storage buckets describe "gs://${FLYER_BUCKET}"; then
  run "${gc[@]}" storage buckets create "gs://${FLYER_BUCKET}" --location="$REGION" \
    --uniform-bucket-level-access --public-access-prevention
fi
flyer_readers=("$RUNTIME_SA")
[[ "$DEPLOY_ADDON" == 1 ]] && flyer_readers+=("$ADDON_RUNTIME_SA")
for reader in "${flyer_readers[@]}"; do
  run "${gc[@]}" storage buckets add-iam-policy-binding "gs://${FLYER_BUCKET}" \
    --member="serviceAccount:${reader}" --role=roles/storage.objectViewer
done

# The Cloud Functions API has no Cloud Storage volumes (its ServiceConfig knows secretVolumes
# only), so the bucket is mounted on the function's Cloud Run service. This runs after every
# deploy: gcloud replaces a volume of the same name, and nothing documents that a later
# `functions deploy` keeps a volume it does not know about.
mount_flyers() { # Cloud Run service (= function) name
  run "${gc[@]}" run services update "$1" --region="$REGION" \
    --execution-environment=gen2 \
    --add-volume="name=${FLYER_VOLUME},type=cloud-storage,bucket=${FLYER_BUCKET},readonly=true" \
    --add-volume-mount="volume=${FLYER_VOLUME},mount-path=${FLYER_MOUNT}"
}

# --- 5. Functions -------------------------------------------------------------------------------
common_flags=(--gen2 --region="$REGION" --runtime=python311 --source="$STAGE/source")

if [[ "$SYNC_HTTP_AUTH" == iam ]]; then
  # Cloud Run verifies Scheduler's OIDC token and requires roles/run.invoker; the function
  # sees the token with its signature stripped, so the in-function check stays off.
  sync_http_access=(--no-allow-unauthenticated)
  sync_http_env=("${sync_env[@]}")
else
  # Public URL: the function verifies the bearer token itself (sheetsync.idtokens).
  sync_http_access=(--allow-unauthenticated)
  sync_http_env=("${sync_env[@]}" "SHEETSYNC_SCHEDULER_AUDIENCE=${SYNC_HTTP_URL}"
    "SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT=${INVOKER_SA}")
fi

if [[ "$SCHEDULER_MODE" != pubsub && "$FLEET" != 1 ]]; then
  # Deployed unless only the Pub/Sub path is wanted (SCHEDULER_MODE=none keeps it for manual runs).
  # max-instances 1: one sync at a time per Sheet; a second trigger waits instead of racing.
  run "${gc[@]}" functions deploy "$SYNC_HTTP_FN" "${common_flags[@]}" \
    --entry-point=sync_http \
    --trigger-http \
    "${sync_http_access[@]}" \
    --service-account="$RUNTIME_SA" \
    --memory=512Mi --timeout="${SYNC_TIMEOUT_S}s" --max-instances=1 \
    --set-env-vars="$(join_by_comma "${sync_http_env[@]}")" \
    ${secret_flags[@]+"${secret_flags[@]}"}
  mount_flyers "$SYNC_HTTP_FN"
  run "${gc[@]}" functions add-invoker-policy-binding "$SYNC_HTTP_FN" --region="$REGION" \
    --member="serviceAccount:${INVOKER_SA}"
fi

if [[ "$SCHEDULER_MODE" == pubsub || "$SCHEDULER_MODE" == both ]]; then
  if ! exists "${gc[@]}" pubsub topics describe "$TOPIC"; then
    run "${gc[@]}" pubsub topics create "$TOPIC"
  fi
  # No --retry: a failed sync is retried by the next scheduled run; retrying a permanent error
  # (a bad Sheet) for days would only fill the logs.
  run "${gc[@]}" functions deploy "$SYNC_PUBSUB_FN" "${common_flags[@]}" \
    --entry-point=sync_pubsub \
    --trigger-topic="$TOPIC" \
    --trigger-service-account="$INVOKER_SA" \
    --service-account="$RUNTIME_SA" \
    --memory=512Mi --timeout="${SYNC_TIMEOUT_S}s" --max-instances=1 \
    --set-env-vars="$(join_by_comma "${sync_env[@]}")" \
    ${secret_flags[@]+"${secret_flags[@]}"}
  mount_flyers "$SYNC_PUBSUB_FN"
  # Eventarc pushes each message to the function as the trigger service account.
  run "${gc[@]}" functions add-invoker-policy-binding "$SYNC_PUBSUB_FN" --region="$REGION" \
    --member="serviceAccount:${INVOKER_SA}"
  # Pub/Sub sends a message again when its push is not answered within the subscription's ack
  # deadline, whatever the trigger's retry setting. Eventarc made the subscription (default
  # 10 s); 600 s, the maximum, outlasts the function's timeout, so no second delivery can
  # start while the first sync still runs.
  trigger="$(lookup "projects/${PROJECT}/locations/${REGION}/triggers/TRIGGER" \
    "${gc[@]}" functions describe "$SYNC_PUBSUB_FN" --gen2 --region="$REGION" \
    --format='value(eventTrigger.trigger)')"
  [[ -n "$trigger" ]] || die "$SYNC_PUBSUB_FN has no Eventarc trigger"
  subscription="$(lookup "projects/${PROJECT}/subscriptions/SUBSCRIPTION" \
    "${gc[@]}" eventarc triggers describe "$trigger" \
    --format='value(transport.pubsub.subscription)')"
  [[ -n "$subscription" ]] || die "the trigger of $SYNC_PUBSUB_FN has no Pub/Sub subscription"
  run "${gc[@]}" pubsub subscriptions update "$subscription" --ack-deadline="$ACK_DEADLINE_S"
fi

# --- 5b. The fleet (FLEET=1) ----------------------------------------------------------------------
fleet_env=()
fleet_secret_flags=()
if [[ "$FLEET" == 1 ]]; then
  # The registry: one Firestore document per enrolled Sheet (Native mode, the (default) database).
  if ! exists "${gc[@]}" firestore databases describe --database="(default)"; then
    run "${gc[@]}" firestore databases create --location="$FIRESTORE_LOCATION" --type=firestore-native
  fi
  # The queue: its rate and concurrency from the Sheets quota (see the numbers at the top), and
  # retries with backoff. Task names (tenant + run) make a repeated dispatch create nothing twice.
  queue_flags=(--location="$REGION" --max-dispatches-per-second="$FLEET_RATE"
    --max-concurrent-dispatches="$FLEET_CONCURRENCY" --max-attempts="$FLEET_MAX_ATTEMPTS"
    --min-backoff="${FLEET_MIN_BACKOFF_S}s" --max-backoff="${FLEET_MAX_BACKOFF_S}s"
    --max-doublings="$FLEET_MAX_DOUBLINGS")
  if exists "${gc[@]}" tasks queues describe "$FLEET_QUEUE" --location="$REGION"; then
    run "${gc[@]}" tasks queues update "$FLEET_QUEUE" "${queue_flags[@]}"
  else
    run "${gc[@]}" tasks queues create "$FLEET_QUEUE" "${queue_flags[@]}"
  fi
  # Who may use what. The fleet's identity and the add-on's read and change the registry, put
  # tasks on the queue as the tasks identity (actAs), and manage the tenants' token secrets
  # through a role with just those permissions.
  fleet_users=("$FLEET_SA")
  [[ "$DEPLOY_ADDON" == 1 ]] && fleet_users+=("$ADDON_RUNTIME_SA")
  if ! exists "${gc[@]}" iam roles describe "$TENANT_SECRETS_ROLE"; then
    run "${gc[@]}" iam roles create "$TENANT_SECRETS_ROLE" --title="sheetsync tenant token secrets" \
      --permissions=secretmanager.secrets.create,secretmanager.secrets.delete,secretmanager.secrets.get,secretmanager.versions.add,secretmanager.versions.access,secretmanager.versions.list,secretmanager.versions.destroy
  fi
  for user in "${fleet_users[@]}"; do
    run "${gc[@]}" projects add-iam-policy-binding "$PROJECT" \
      --member="serviceAccount:${user}" --role=roles/datastore.user --condition=None
    run "${gc[@]}" projects add-iam-policy-binding "$PROJECT" \
      --member="serviceAccount:${user}" --role="projects/${PROJECT}/roles/${TENANT_SECRETS_ROLE}" \
      --condition=None
    run "${gc[@]}" tasks queues add-iam-policy-binding "$FLEET_QUEUE" --location="$REGION" \
      --member="serviceAccount:${user}" --role=roles/cloudtasks.enqueuer
    run "${gc[@]}" iam service-accounts add-iam-policy-binding "$TASKS_SA" \
      --member="serviceAccount:${user}" --role=roles/iam.serviceAccountUser
  done
  if [[ -n "$DELEGATION_DOMAINS" ]]; then
    # Delegation as each Workspace tenant: IAM signs the JWT (Token Creator on itself only).
    run "${gc[@]}" iam service-accounts add-iam-policy-binding "$FLEET_SA" \
      --member="serviceAccount:${FLEET_SA}" --role=roles/iam.serviceAccountTokenCreator
  fi
  # The OAuth client's secret and the key that signs each consent's state: secrets, read by the
  # identities that need them only, and passed to the functions as environment variables.
  if [[ -n "$OAUTH_CLIENT_ID" ]]; then
    if ! exists "${gc[@]}" secrets describe "$OAUTH_SECRET"; then
      [[ -n "$OAUTH_CLIENT_SECRET_FILE" || "$DRY_RUN" == 1 ]] \
        || die "secret $OAUTH_SECRET does not exist: set OAUTH_CLIENT_SECRET_FILE to a file holding the client secret"
      run "${gc[@]}" secrets create "$OAUTH_SECRET" --replication-policy=automatic
    fi
    if [[ -n "$OAUTH_CLIENT_SECRET_FILE" ]]; then
      [[ -f "$OAUTH_CLIENT_SECRET_FILE" || "$DRY_RUN" == 1 ]] || die "OAUTH_CLIENT_SECRET_FILE: no such file"
      run "${gc[@]}" secrets versions add "$OAUTH_SECRET" --data-file="$OAUTH_CLIENT_SECRET_FILE"
    fi
    if ! exists "${gc[@]}" secrets describe "$STATE_KEY_SECRET"; then
      run "${gc[@]}" secrets create "$STATE_KEY_SECRET" --replication-policy=automatic
      key_file="$STAGE/state-key"
      # 48 random bytes, base64: the HMAC key of the consent's state (never leaves Google Cloud).
      if [[ "$DRY_RUN" != 1 ]]; then head -c 48 /dev/urandom | base64 | tr -d '\n' >"$key_file"; fi
      run "${gc[@]}" secrets versions add "$STATE_KEY_SECRET" --data-file="$key_file"
    fi
    for secret in "$OAUTH_SECRET" "$STATE_KEY_SECRET"; do
      for user in "${fleet_users[@]}"; do
        run "${gc[@]}" secrets add-iam-policy-binding "$secret" \
          --member="serviceAccount:${user}" --role=roles/secretmanager.secretAccessor
      done
    done
    fleet_secret_flags=(--set-secrets="SHEETSYNC_OAUTH_CLIENT_SECRET=${OAUTH_SECRET}:latest,SHEETSYNC_OAUTH_STATE_KEY=${STATE_KEY_SECRET}:latest")
  fi
  fleet_env=("SHEETSYNC_FLEET_PROJECT=${PROJECT}" "SHEETSYNC_FLEET_QUEUE=${FLEET_QUEUE_PATH}"
    "SHEETSYNC_FLEET_WORKER_URL=${FLEET_WORKER_URL}"
    "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT=${TASKS_SA}"
    "SHEETSYNC_FLEET_MAX_ATTEMPTS=${FLEET_MAX_ATTEMPTS}")
  [[ -n "$OAUTH_CLIENT_ID" ]] && fleet_env+=("SHEETSYNC_OAUTH_CLIENT_ID=${OAUTH_CLIENT_ID}"
    "SHEETSYNC_OAUTH_REDIRECT_URI=${OAUTH_CALLBACK_URL}")
  [[ -n "$DELEGATION_DOMAINS" ]] && fleet_env+=("SHEETSYNC_DELEGATION_DOMAINS=${DELEGATION_DOMAINS}")
  # No flyer folder in the fleet: one bucket shared by every tenant would let a Sheet attach
  # another practice's flyer (deploy/README.md, "Fleet mode").
  fleet_fn_env=("SHEETSYNC_BACKEND=google" "SHEETSYNC_LOG_LEVEL=${LOG_LEVEL}" "${fleet_env[@]}")

  # The dispatcher: called by Cloud Scheduler once an hour, behind IAM. One instance at a time.
  run "${gc[@]}" functions deploy "$FLEET_DISPATCH_FN" "${common_flags[@]}" \
    --entry-point=fleet_dispatch \
    --trigger-http \
    --no-allow-unauthenticated \
    --service-account="$FLEET_SA" \
    --memory=256Mi --timeout="${SYNC_TIMEOUT_S}s" --max-instances=1 \
    --set-env-vars="$(join_by_comma "${fleet_fn_env[@]}")" \
    ${fleet_secret_flags[@]+"${fleet_secret_flags[@]}"}
  run "${gc[@]}" functions add-invoker-policy-binding "$FLEET_DISPATCH_FN" --region="$REGION" \
    --member="serviceAccount:${INVOKER_SA}"
  # The worker: Cloud Tasks calls it with an OIDC token of the tasks identity, behind IAM. One
  # sync per instance; as many instances as the queue dispatches at once.
  run "${gc[@]}" functions deploy "$FLEET_WORKER_FN" "${common_flags[@]}" \
    --entry-point=fleet_worker \
    --trigger-http \
    --no-allow-unauthenticated \
    --service-account="$FLEET_SA" \
    --memory=512Mi --timeout="${SYNC_TIMEOUT_S}s" --concurrency=1 \
    --max-instances="$FLEET_CONCURRENCY" \
    --set-env-vars="$(join_by_comma "${fleet_fn_env[@]}")" \
    ${fleet_secret_flags[@]+"${fleet_secret_flags[@]}"}
  run "${gc[@]}" functions add-invoker-policy-binding "$FLEET_WORKER_FN" --region="$REGION" \
    --member="serviceAccount:${TASKS_SA}"
  if [[ -n "$OAUTH_CLIENT_ID" ]]; then
    # The consent's callback: a browser redirect, so public; it trusts only a signed, unexpired,
    # single-use state and Google's token endpoint.
    run "${gc[@]}" functions deploy "$OAUTH_CALLBACK_FN" "${common_flags[@]}" \
      --entry-point=oauth_callback \
      --trigger-http \
      --allow-unauthenticated \
      --service-account="$FLEET_SA" \
      --memory=256Mi --timeout=60s --max-instances=3 \
      --set-env-vars="$(join_by_comma "${fleet_fn_env[@]}")" \
      ${fleet_secret_flags[@]+"${fleet_secret_flags[@]}"}
  fi
fi

if [[ "$DEPLOY_ADDON" == 1 ]]; then
  # The add-on's Google-side service account: systemIdToken is minted for it.
  ADDON_CALLER_SA="$(lookup "service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com" \
    "${gc[@]}" workspace-add-ons get-authorization --format='value(serviceAccountEmail)')"
  [[ -n "$ADDON_CALLER_SA" ]] || die "could not read the add-on service account"
  # No SHEETSYNC_CALENDAR_ID here: the add-on writes on each user's calendar named in Settings.
  # THREADS: functions-framework serves that many requests at once (Google's advice for Python
  # with concurrency above 1).
  addon_env=("SHEETSYNC_BACKEND=google" "SHEETSYNC_LOG_LEVEL=${LOG_LEVEL}"
    "SHEETSYNC_ADDON_AUDIENCE=${ADDON_URL}"
    "SHEETSYNC_ADDON_SERVICE_ACCOUNT=${ADDON_CALLER_SA}"
    "SHEETSYNC_ADDON_TIME_BUDGET_S=${ADDON_TIME_BUDGET_S}"
    "SHEETSYNC_FLYER_DIR=${FLYER_MOUNT}" "THREADS=${ADDON_CONCURRENCY}")
  # Fleet mode: the add-on turns each Sheet's daily sync on and off, and queues "Sync now".
  [[ "$FLEET" == 1 ]] && addon_env+=("${fleet_env[@]}")
  # Either way the function verifies authorizationEventObject.systemIdToken itself (signature,
  # audience = this URL, email = the add-on service account) and answers 401/403 otherwise.
  # iam: Cloud Run also lets through only requests whose Authorization ID token is the add-on
  # service account's (the platform sends one), so strangers never reach an instance.
  # public: anyone reaches the function, which rejects them itself. deploy/README.md says more.
  if [[ "$ADDON_AUTH" == iam ]]; then
    addon_access=(--no-allow-unauthenticated)
  else
    addon_access=(--allow-unauthenticated)
  fi
  # Concurrency above 1 needs at least 1 vCPU; 1 GiB leaves each of 8 requests room for a
  # 10,000-contact sync (deploy/README.md, "Add-on capacity").
  run "${gc[@]}" functions deploy "$ADDON_FN" "${common_flags[@]}" \
    --entry-point=addon \
    --trigger-http \
    "${addon_access[@]}" \
    --service-account="$ADDON_RUNTIME_SA" \
    --timeout=60s --cpu=1 --memory=1Gi \
    --concurrency="$ADDON_CONCURRENCY" --max-instances="$ADDON_MAX_INSTANCES" \
    --set-env-vars="$(join_by_comma "${addon_env[@]}")" \
    ${fleet_secret_flags[@]+"${fleet_secret_flags[@]}"}
  if [[ "$ADDON_AUTH" == iam ]]; then
    run "${gc[@]}" functions add-invoker-policy-binding "$ADDON_FN" --region="$REGION" \
      --member="serviceAccount:${ADDON_CALLER_SA}"
  fi
  mount_flyers "$ADDON_FN"
fi

# --- 6. Cloud Scheduler -------------------------------------------------------------------------
upsert_http_job() { # job name, flags...: an HTTP job created, or updated if it is there
  local job="$1"
  shift
  if exists "${gc[@]}" scheduler jobs describe "$job" --location="$REGION"; then
    run "${gc[@]}" scheduler jobs update http "$job" "$@" \
      --update-headers=Content-Type=application/json
  else
    run "${gc[@]}" scheduler jobs create http "$job" "$@" \
      --headers=Content-Type=application/json
  fi
}

if [[ "$SCHEDULER_MODE" == http || "$SCHEDULER_MODE" == both ]]; then
  # Scheduler mints an OIDC token for INVOKER_SA with the function URL as audience. Retries
  # are safe: the sync is idempotent. The attempt deadline outlasts the function's timeout, so
  # an attempt is over (answered, or ended by Cloud Run at the timeout) before Scheduler gives
  # up on it and, after the backoff, sends the retry.
  http_job_flags=(--location="$REGION" --schedule="$SCHEDULE" --time-zone="$TIME_ZONE"
    --uri="$SYNC_HTTP_URL" --http-method=POST --message-body="$SYNC_BODY"
    --oidc-service-account-email="$INVOKER_SA" --oidc-token-audience="$SYNC_HTTP_URL"
    --attempt-deadline="${ATTEMPT_DEADLINE_S}s" --max-retry-attempts=2
    --min-backoff="${SCHEDULER_MIN_BACKOFF_S}s")
  upsert_http_job "$JOB_HTTP" "${http_job_flags[@]}"
fi

if [[ "$SCHEDULER_MODE" == pubsub || "$SCHEDULER_MODE" == both ]]; then
  pubsub_job_flags=(--location="$REGION" --schedule="$SCHEDULE" --time-zone="$TIME_ZONE"
    --topic="$TOPIC" --message-body="$SYNC_BODY")
  if exists "${gc[@]}" scheduler jobs describe "$JOB_PUBSUB" --location="$REGION"; then
    run "${gc[@]}" scheduler jobs update pubsub "$JOB_PUBSUB" "${pubsub_job_flags[@]}"
  else
    run "${gc[@]}" scheduler jobs create pubsub "$JOB_PUBSUB" "${pubsub_job_flags[@]}"
  fi
fi

if [[ "$FLEET" == 1 ]]; then
  # Hourly, in UTC: each tenant is due in the slot holding its own local sync hour. A retry is
  # safe: the tasks' names make a repeated dispatch create nothing twice.
  fleet_job_flags=(--location="$REGION" --schedule="$FLEET_SCHEDULE" --time-zone=Etc/UTC
    --uri="$FLEET_DISPATCH_URL" --http-method=POST --message-body="{}"
    --oidc-service-account-email="$INVOKER_SA" --oidc-token-audience="$FLEET_DISPATCH_URL"
    --attempt-deadline="${ATTEMPT_DEADLINE_S}s" --max-retry-attempts=3
    --min-backoff="${SCHEDULER_MIN_BACKOFF_S}s")
  upsert_http_job "$JOB_FLEET" "${fleet_job_flags[@]}"
fi

# --- 7. Workspace add-on ------------------------------------------------------------------------
if [[ "$DEPLOY_ADDON" == 1 ]]; then
  rendered="$STAGE/addon-deployment.json"
  # Every ${ADDON_URL} becomes the endpoint URL, which is also the systemIdToken audience the
  # function expects (SHEETSYNC_ADDON_AUDIENCE): they must stay byte-for-byte equal.
  sed -e "s|\${ADDON_URL}|$(sed_escape "$ADDON_URL")|g" \
    -e "s|\${ADDON_LOGO_URL}|$(sed_escape "$ADDON_LOGO_URL")|g" \
    "$ROOT/deploy/addon-deployment.json" >"$rendered"
  if [[ "$FLEET" == 1 && -n "$DELEGATION_DOMAINS" ]]; then
    # Delegation enrols a Workspace user as themselves: the add-on must learn their address.
    sed -i -e 's|"oauthScopes": \[|"oauthScopes": [\n    "https://www.googleapis.com/auth/userinfo.email",|' "$rendered"
  fi
  if grep -q '\${' "$rendered"; then die "unsubstituted placeholder in addon-deployment.json"; fi
  if exists "${gc[@]}" workspace-add-ons deployments describe "$ADDON_DEPLOYMENT"; then
    run "${gc[@]}" workspace-add-ons deployments replace "$ADDON_DEPLOYMENT" \
      --deployment-file="$rendered"
  else
    run "${gc[@]}" workspace-add-ons deployments create "$ADDON_DEPLOYMENT" \
      --deployment-file="$rendered"
  fi
  # Installs the deployment for the account running this script (developer mode / testing).
  run "${gc[@]}" workspace-add-ons deployments install "$ADDON_DEPLOYMENT"
fi

if [[ "$FLEET" == 1 ]]; then
  cat <<EOF

Done (fleet mode). Remaining manual steps (deploy/README.md, "Fleet mode"):
  * OAuth consent screen: list the scopes in deploy/README.md ("Fleet mode"), and add
    ${OAUTH_CALLBACK_URL}
    as the web client's one authorized redirect URI (exactly, no trailing slash);
  * DELEGATION_DOMAINS only: in each domain's Admin console, authorize the client id of
    ${FLEET_SA} for the fleet's scopes (domain-wide delegation);
  * each therapist opens the add-on in their Sheet and presses "Turn on daily sync".
EOF
  exit 0
fi

cat <<EOF

Done. Remaining manual steps (deploy/README.md):
  * share the Sheet and the calendar with ${RUNTIME_SA} (Editor / "Make changes to events");
  * upload the flyer: gcloud storage cp flyer.pdf gs://${FLYER_BUCKET}/ and put its plain
    name (flyer.pdf) in Settings > Flyer file;
  * GMAIL_AUTH=delegation only: authorize the client id of ${RUNTIME_SA} for
    ${GMAIL_DELEGATION_SCOPES}
    in the Admin console (domain-wide delegation).
EOF
