#!/usr/bin/env bash
# Deploy lo-jupyter on Docker Swarm: ./deploy.sh deploy|status|remove (see README.md here).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK="${LO_STACK:-lo}"
SECRETS_DIR="${LO_SECRETS_DIR:-$HOME/.config/lo-jupyter/swarm-secrets}"
IMAGE="${LO_IMAGE:-lo-jupyter:0.1.0}"
API_PORT="${LO_API_PORT:-8765}"
MONGO_DB="${LO_MONGO_DB:-lo_jupyter}"
# The server's MongoDB URL: every member of the replica set, the set's name, and the user
# mongo-init creates from this very URL.
MONGO_HOSTS="mongo1:27017,mongo2:27017,mongo3:27017"
REPLICA_SET="rs0"
SECRETS=(lo_token lo_jupyter_token lo_mongo_url lo_mongo_root_password lo_mongo_keyfile
         lo_minio_root_user lo_minio_root_password lo_s3_credentials)
LABELS=(lo.main lo.mongo1 lo.mongo2 lo.mongo3)

usage() {
  cat <<EOF
Usage: $(basename "$0") deploy|status|remove

  deploy   create the Swarm secrets (values generated into LO_SECRETS_DIR if missing),
           label a one-node swarm, and deploy or update the stack
  status   the stack's services and tasks, and the API's health
  remove   remove the stack (volumes and secrets are kept)

Environment:
  LO_STACK        stack name (default lo)
  LO_SECRETS_DIR  where the secret values are kept, readable by you only
                  (default ~/.config/lo-jupyter/swarm-secrets)
  LO_IMAGE        the image built from server/deploy/Dockerfile (default lo-jupyter:0.1.0)
  LO_DASK_WORKERS, LO_SPARK_WORKERS, LO_WORKER_MEMORY, ...: see docker-stack.yml
EOF
}

die() { echo "deploy.sh: $*" >&2; exit 1; }

random_hex() {  # $1 bytes of randomness as hex
  head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

require_manager() {
  command -v docker >/dev/null || die "the docker client is not installed"
  local state
  state="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" \
    || die "cannot reach the Docker engine"
  [ "$state" = "active true" ] \
    || die "run this on a Swarm manager (docker swarm init, or docker swarm join as a manager)"
}

# The value of secret $1, written once into SECRETS_DIR.
secret_value() {
  case "$1" in
    lo_token|lo_jupyter_token|lo_mongo_root_password|lo_minio_root_password) random_hex 32 ;;
    lo_mongo_keyfile) random_hex 96 ;;
    lo_minio_root_user) echo "lo-admin" ;;
    lo_mongo_url)
      echo "mongodb://lo:$(random_hex 32)@${MONGO_HOSTS}/${MONGO_DB}?replicaSet=${REPLICA_SET}&authSource=admin" ;;
    lo_s3_credentials)
      printf '[default]\naws_access_key_id = lo-server\naws_secret_access_key = %s\n' \
        "$(random_hex 32)" ;;
    *) die "unknown secret $1" ;;
  esac
}

ensure_secrets() {
  (umask 077 && mkdir -p "$SECRETS_DIR")
  local name file
  for name in "${SECRETS[@]}"; do
    file="$SECRETS_DIR/$name"
    if [ ! -s "$file" ]; then
      (umask 077 && secret_value "$name" > "$file")
      echo "generated $file"
    fi
    if ! docker secret inspect "$name" >/dev/null 2>&1; then
      docker secret create "$name" "$file" >/dev/null
      echo "created secret $name"
    fi
  done
}

# One node: it hosts everything. More: each label must be on a node already (README.md).
ensure_labels() {
  local nodes label
  mapfile -t nodes < <(docker node ls -q)
  if [ "${#nodes[@]}" -eq 1 ]; then
    for label in "${LABELS[@]}"; do
      docker node update --label-add "$label=true" "${nodes[0]}" >/dev/null
    done
    return
  fi
  for label in "${LABELS[@]}"; do
    [ -n "$(docker node ls -q --filter "node.label=$label=true")" ] \
      || die "no node is labelled $label=true: docker node update --label-add $label=true NODE"
  done
}

deploy() {
  require_manager
  ensure_secrets
  ensure_labels
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "note: $IMAGE is not on this node; every node must be able to pull it" >&2
  fi
  LO_IMAGE="$IMAGE" docker stack deploy --with-registry-auth \
    -c "$HERE/docker-stack.yml" "$STACK"
  cat <<EOF

Deployed stack $STACK. The services take a minute or two to become healthy:
  $0 status
API:        http://<any node>:$API_PORT/api/learningOrchestra/v1  (token: $SECRETS_DIR/lo_token)
JupyterLab: http://<any node>:${LO_JUPYTER_PORT:-8888}/lab  (token: $SECRETS_DIR/lo_jupyter_token)
EOF
}

status() {
  require_manager
  docker stack services "$STACK"
  echo
  docker stack ps "$STACK" --filter desired-state=running \
    --format 'table {{.Name}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}'
  echo
  if command -v curl >/dev/null; then
    curl -fsS "http://127.0.0.1:$API_PORT/api/learningOrchestra/v1/health" && echo \
      || echo "the API does not answer on port $API_PORT yet"
  fi
}

remove() {
  require_manager
  docker stack rm "$STACK"
  cat <<EOF
Removed stack $STACK. Kept: its volumes (docker volume ls --filter label=com.docker.stack.namespace=$STACK,
on each node) and the secrets (docker secret ls; values in $SECRETS_DIR).
EOF
}

case "${1:-}" in
  deploy) deploy ;;
  status) status ;;
  remove) remove ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
