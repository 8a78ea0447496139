# Shared by Tools/run, Tools/test and Tools/bench: install what is missing, once.
# Sourced, not run. Installs with apt-get (root, or sudo when available).

# openssl: the tests make a throwaway CA for a node serving HTTPS; sqlite3: they read
# query plans with it.
fieldsync_apt_packages=(libsqlite3-dev libzstd-dev libssl-dev pkg-config openssl sqlite3)

fieldsync_setup() {
    local missing=()
    for p in "${fieldsync_apt_packages[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            echo "error: the Swift toolchain (6.1 or later) is not on PATH; install it from swift.org" >&2
            exit 1
        fi
    fi
}
