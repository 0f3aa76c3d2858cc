# Sourced by conformance/run.sh and .ci/run: installs the OpenStack clients the
# conformance checks drive (Tempest and the openstack CLI) from Debian packages when a
# fresh machine lacks them.
install_openstack_clients() {
  # keystone + uwsgi's python3 plugin: test/integration/keystone.test.ts runs a private real
  # Keystone to test the external-Keystone strategy.
  if [ -x /usr/bin/tempest ] && [ -x /usr/bin/openstack ] && [ -x /usr/bin/keystone-manage ] && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]; then return 0; fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing tempest, python3-openstackclient, keystone and uwsgi-plugin-python3 (Debian packages)"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends tempest python3-openstackclient keystone uwsgi-plugin-python3
}
