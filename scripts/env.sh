# Environment that keeps Reflex and bun off the network (sourced by the Makefile's recipes).
# See docs/toolchain.md: bun comes from the npm registry into .tools/.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$ROOT/.tools/node_modules/.bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_DIR="$ROOT/.reflex"
export BUN_INSTALL_CACHE_DIR="$ROOT/.bun-cache"
export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null)}"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=0
export PYTHONUNBUFFERED=1
