# Sourced by conformance/run.sh and .ci/run: installs the OpenStack clients the
# conformance checks drive (Tempest and the openstack CLI) from Debian packages when a
# fresh machine lacks them.
install_openstack_clients() {
  if [ -x /usr/bin/tempest ] && [ -x /usr/bin/openstack ]; then return 0; fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing tempest and python3-openstackclient (Debian packages)"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q tempest python3-openstackclient
}
