#!/usr/bin/python3
# A second, independently written IPMI BMC for Ferrite's IPMI client tests, on Debian's python3-pyghmi
# (pyghmi.ipmi.bmc.Bmc is the RMCP+ server VirtualBMC builds on).
# usage: pyghmi-bmc.py PORT USER STATEFILE   (password on stdin, first line; binds 127.0.0.1)
# It keeps power state and all five bytes of boot flags parameter 5 (valid/persistent/EFI bits + device), counts
# chassis actions and RMCP+ Open Session requests, and writes that state as JSON to STATEFILE after each change,
# so a test can check effects on the BMC's side. Prints "ready" once the port is bound.
import json
import os
import sys
import threading

import pyghmi.ipmi.bmc as bmc


class StateBmc(bmc.Bmc):
    def __init__(self, port, user, password, statefile):
        super().__init__({user: password}, port=port, address='127.0.0.1')
        self.statefile = statefile
        self.lock = threading.Lock()
        self.timer = None
        self.st = {'power': 'off', 'bootflags': [0, 0, 0, 0, 0], 'resets': 0, 'nmis': 0,
                   'shutdowns': 0, 'cycles': 0, 'sessions': 0}
        self.save()

    def save(self):
        with self.lock:
            tmp = self.statefile + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(self.st, f)
            os.replace(tmp, self.statefile)

    # RMCP+ Open Session Requests (payload type 10h) arrive here before a session exists.
    def sessionless_data(self, data, sockaddr):
        if len(data) > 5 and data[4] == 6 and (data[5] & 0x3f) == 0x10:
            self.st['sessions'] += 1
            self.save()
        return super().sessionless_data(data, sockaddr)

    def _cancel(self):
        if self.timer:
            self.timer.cancel()
            self.timer = None

    def _set(self, value):
        self.st['power'] = value
        self.save()

    def get_power_state(self):
        return self.st['power']

    def is_active(self):
        return self.st['power'] == 'on'

    def power_on(self):
        self._cancel()
        self._set('on')

    def power_off(self):
        self._cancel()
        self._set('off')

    def power_shutdown(self):
        self.st['shutdowns'] += 1
        self.power_off()

    def power_reset(self):
        self.st['resets'] += 1
        self.save()

    def pulse_diag(self):
        self.st['nmis'] += 1
        self.save()

    def power_cycle(self):
        self.st['cycles'] += 1
        self.power_off()
        self.timer = threading.Timer(1.0, self._set, ('on',))
        self.timer.start()

    def get_system_boot_options(self, request, session):
        if request['data'][0] == 5:
            return session.send_ipmi_response(data=[1, 5] + self.st['bootflags'])
        session.send_ipmi_response(code=0x80)

    def set_system_boot_options(self, request, session):
        if request['data'][0] == 5:
            self.st['bootflags'] = list(request['data'][1:6])
            self.save()
        session.send_ipmi_response()


if __name__ == '__main__':
    password = sys.stdin.readline().rstrip('\n')
    b = StateBmc(int(sys.argv[1]), sys.argv[2], password, sys.argv[3])
    print('ready', flush=True)
    b.listen()
