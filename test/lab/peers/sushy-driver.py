#!/usr/bin/python3
"""Drive python3-sushy (the library behind OpenStack Ironic's redfish driver) through a list of commands.

Reads one JSON document on stdin:
    {"url": "https://127.0.0.1:1234", "commands": [{"op": "connect", ...}, {"op": "system", ...}, ...]}
and prints one JSON document on stdout: {"results": [{"ok": true, "value": ...} | {"ok": false, "error": {...}}]}.

Every command runs even if an earlier one failed; a failure is reported as the error sushy raised (class name,
message and, for HTTP errors, status code and the Redfish error body as sushy parsed it). Only public sushy API is
used, except `raw_post`, which posts through sushy's own connector so that sushy's error parsing is exercised for
requests its resource classes would refuse to send.

Run it with /usr/bin/python3 (Debian's sushy) and without REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment:
requests lets those override the `verify` that sushy passes.
"""
import json
import sys
import time
import traceback

import sushy
from sushy import auth as sushy_auth
from sushy import exceptions


def enum_value(value):
    return getattr(value, 'value', value)


def describe_error(exc):
    err = {'type': type(exc).__name__, 'message': str(exc),
           'classes': [c.__name__ for c in type(exc).__mro__]}
    if isinstance(exc, exceptions.HTTPError):
        err['status_code'] = exc.status_code
        err['code'] = exc.code
        err['detail'] = exc.detail
        err['body'] = exc.body
    if not isinstance(exc, exceptions.SushyError):
        err['traceback'] = traceback.format_exc()
    return err


class Driver(object):
    def __init__(self, url):
        self.url = url
        self.conns = {}
        self.auths = {}
        self.last = None

    # --- helpers -------------------------------------------------------
    def conn(self, cmd):
        name = cmd.get('conn', self.last)
        if name not in self.conns:
            raise RuntimeError('no connection named %r' % (name,))
        return self.conns[name]

    def system(self, cmd):
        return self.conn(cmd).get_system(cmd['system'])

    def vmedia(self, cmd):
        system = self.system(cmd)
        for mgr in system.managers:
            for vm in mgr.virtual_media.get_members():
                if vm.identity == cmd['device']:
                    return vm
        raise RuntimeError('no virtual media %r' % cmd['device'])

    # --- commands ------------------------------------------------------
    def op_connect(self, cmd):
        name = cmd.get('name', 'default')
        url = cmd.get('url', self.url)
        kind = cmd.get('auth', 'auto')
        verify = cmd.get('verify', True)
        user, password = cmd.get('username'), cmd.get('password')
        if kind == 'basic':
            auth = sushy_auth.BasicAuth(username=user, password=password)
            root = sushy.Sushy(url, verify=verify, auth=auth)
        elif kind == 'session':
            auth = sushy_auth.SessionAuth(username=user, password=password)
            root = sushy.Sushy(url, verify=verify, auth=auth)
        else:
            root = sushy.Sushy(url, username=user, password=password, verify=verify)
            auth = root._auth
        self.conns[name] = root
        self.auths[name] = auth
        self.last = name
        headers = root._conn._session.headers
        return {
            'identity': root.identity,
            'name': root.name,
            'uuid': root.uuid,
            'redfish_version': root.redfish_version,
            # What sushy ended up using: a session token or HTTP Basic credentials.
            'uses_token': 'X-Auth-Token' in headers,
            'uses_basic': root._conn._session.auth is not None,
            'session_uri': (auth.get_session_resource_id()
                            if isinstance(auth, sushy_auth.SessionAuth) else None),
            'has_session_key': (auth.get_session_key() is not None
                                if isinstance(auth, sushy_auth.SessionAuth) else False),
        }

    def op_close(self, cmd):
        name = cmd.get('conn', self.last)
        auth = self.auths.pop(name)
        root = self.conns.pop(name)
        auth.close()
        root._auth = None
        return True

    def op_systems(self, cmd):
        coll = self.conn(cmd).get_system_collection()
        return {'members': list(coll.members_identities), 'name': coll.name}

    def op_system(self, cmd):
        s = self.system(cmd)
        boot = s.boot
        mem = s.memory_summary
        return {
            'path': s.path,
            'identity': s.identity,
            'uuid': s.uuid,
            'name': s.name,
            'power_state': enum_value(s.power_state),
            'boot': {
                'target': enum_value(boot.target),
                'enabled': enum_value(boot.enabled),
                'mode': enum_value(boot.mode),
                'allowed_values': boot.allowed_values,
            },
            'allowed_resets': sorted(enum_value(v) for v in s.get_allowed_reset_system_values()),
            'allowed_boot_sources': sorted(enum_value(v) for v in
                                           s.get_allowed_system_boot_source_values()),
            'memory_size_gib': mem.size_gib if mem else None,
            'manager_paths': [m.path for m in s.managers],
            'chassis_paths': [c.path for c in s.chassis],
        }

    def op_reset(self, cmd):
        s = self.system(cmd)
        s.reset_system(sushy.ResetType(cmd['value']))
        return True

    def op_wait_power(self, cmd):
        """Poll PowerState (a fresh GET each time) until it reads cmd['state']."""
        s = self.system(cmd)
        deadline = time.time() + cmd.get('timeout', 10)
        seen = []
        while True:
            s.refresh()
            state = enum_value(s.power_state)
            if not seen or seen[-1] != state:
                seen.append(state)
            if state == cmd['state'] or time.time() > deadline:
                return {'state': state, 'seen': seen}
            time.sleep(0.02)

    def op_set_boot(self, cmd):
        s = self.system(cmd)
        target = cmd.get('target')
        enabled = cmd.get('enabled')
        mode = cmd.get('mode')
        s.set_system_boot_options(
            target=sushy.BootSource(target) if target else None,
            enabled=sushy.BootSourceOverrideEnabled(enabled) if enabled else None,
            mode=sushy.BootSourceOverrideMode(mode) if mode else None)
        return True

    def op_hardware(self, cmd):
        s = self.system(cmd)
        out = {}

        def attempt(key, fn):
            try:
                out[key] = fn()
            except Exception as exc:  # reported, not raised: each part is checked on its own
                out[key + '_error'] = describe_error(exc)

        def processors():
            summary = s.processors.summary
            return {'count': summary.count, 'architecture': enum_value(summary.architecture),
                    'members': list(s.processors.members_identities)}

        attempt('processors', processors)
        attempt('memory_size_gib', lambda: s.memory_summary.size_gib)
        attempt('nics', lambda: {mac: enum_value(state)
                                 for mac, state in s.ethernet_interfaces.summary.items()})
        attempt('nic_members', lambda: [{'id': e.identity, 'mac': e.mac_address,
                                         'health': enum_value(e.status.health) if e.status else None,
                                         'state': enum_value(e.status.state) if e.status else None}
                                        for e in s.ethernet_interfaces.get_members()])
        attempt('simple_storage_sizes', lambda: list(s.simple_storage.disks_sizes_bytes))
        attempt('simple_storage_max', lambda: s.simple_storage.max_size_bytes)
        attempt('storage_drive_sizes', lambda: list(s.storage.drives_sizes_bytes))
        attempt('storage_max_drive', lambda: s.storage.max_drive_size_bytes)
        attempt('storage_volume_sizes', lambda: list(s.storage.volumes_sizes_bytes))
        return out

    def op_bios(self, cmd):
        bios = self.system(cmd).bios
        return {'identity': bios.identity, 'attributes': bios.attributes,
                'pending_attributes': bios.pending_attributes}

    def op_bios_set(self, cmd):
        self.system(cmd).bios.set_attributes(cmd['attributes'])
        return True

    def op_vmedia_list(self, cmd):
        system = self.system(cmd)
        out = []
        for mgr in system.managers:
            for vm in mgr.virtual_media.get_members():
                out.append({
                    'manager': mgr.path,
                    'path': vm.path,
                    'identity': vm.identity,
                    'name': vm.name,
                    'image': vm.image,
                    'image_name': vm.image_name,
                    'inserted': vm.inserted,
                    'write_protected': vm.write_protected,
                    'media_types': [enum_value(t) for t in vm.media_types],
                    'connected_via': enum_value(vm.connected_via),
                })
        return out

    def op_vmedia_insert(self, cmd):
        vm = self.vmedia(cmd)
        vm.insert_media(cmd['image'], inserted=cmd.get('inserted', True),
                        write_protected=cmd.get('write_protected', True))
        return True

    def op_vmedia_eject(self, cmd):
        self.vmedia(cmd).eject_media()
        return True

    def op_sessions(self, cmd):
        service = self.conn(cmd).get_session_service()
        members = []
        for sess in service.sessions.get_members():
            members.append({'path': sess.path, 'identity': sess.identity,
                            'name': sess.name, 'username': sess.username})
        return {'service': {'identity': service.identity, 'name': service.name,
                            'enabled': service.service_enabled,
                            'timeout': service.session_timeout},
                'members': members}

    def op_delete_session(self, cmd):
        """Delete a session (e.g. to emulate a BMC expiring it) through SessionService.close_session.

        cmd['session_of'] names the connection whose own session is deleted; the deletion is made on cmd['conn'].
        """
        uri = self.auths[cmd['session_of']].get_session_resource_id()
        self.conn(cmd).get_session_service().close_session(uri)
        return uri

    def op_task_service(self, cmd):
        service = self.conn(cmd).get_task_service()
        return {'identity': service.identity, 'name': service.name,
                'enabled': service.service_enabled,
                'tasks': list(service.tasks.members_identities)}

    def op_reset_target(self, cmd):
        return self.system(cmd)._get_reset_action_element().target_uri

    def op_raw_post(self, cmd):
        root = self.conn(cmd)
        if cmd.get('reset_of'):
            path = root.get_system(cmd['reset_of'])._get_reset_action_element().target_uri
        else:
            path = cmd['path']
        rsp = root._conn.post(path, data=cmd.get('data'))
        return {'status': rsp.status_code}


def main():
    doc = json.load(sys.stdin)
    driver = Driver(doc['url'])
    results = []
    for cmd in doc['commands']:
        fn = getattr(driver, 'op_' + cmd['op'], None)
        if fn is None:
            results.append({'ok': False, 'error': {'type': 'UnknownOp', 'message': cmd['op']}})
            continue
        try:
            results.append({'ok': True, 'value': fn(cmd)})
        except Exception as exc:
            results.append({'ok': False, 'error': describe_error(exc)})
    # Close SessionAuth sessions explicitly (as Ironic's cached connections eventually do).
    for name in list(driver.auths):
        try:
            driver.op_close({'conn': name})
        except Exception:
            pass
    json.dump({'results': results}, sys.stdout, default=str)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
