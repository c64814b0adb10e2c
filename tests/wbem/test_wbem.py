#!/usr/bin/python3
"""Suite 'wbem': `cimjob serve` driven by Debian's sblim-wbemcli over CIM-XML, as a user would.

    test_wbem.py CIMJOB_BINARY DTD_PATH

Starts `cimjob serve --listen 127.0.0.1:0` with three accounts in a temporary accounts file
(and, at the end, once more with TLS for a StartJob and a KillJob over HTTPS),
runs wbemcli (ecn, gc, a static cm StartJob and its reference, ein, ei, gi with and without a
property list, RequestStateChange Suspend/Start/Terminate/reserved/4097, a Terminate that must
escalate, KillJob with and without DeleteOnKill, di, a job that fails and its GetErrors/GetError,
a StartJob with a ScheduledStartTime, mi of Write properties, a second account, no credentials), sends the bad-input documents over raw HTTP, validates every CIM-XML response it
receives on the raw path against DMTF's DTD with xmllint, then stops the server and checks that
no process of any job is left. Every step is bounded; the server and every job are ended by PID.
Exit 77 (skipped) when wbemcli or xmllint is missing.
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CIMJOB, DTD = sys.argv[1], sys.argv[2]
WBEMCLI = shutil.which('wbemcli')
XMLLINT = shutil.which('xmllint')
if not WBEMCLI or not XMLLINT:
    print('1..0 # SKIP wbemcli or xmllint missing (tools/deps.sh CIMJOB_WBEM_PACKAGES)')
    sys.exit(77)
if not os.path.exists(DTD):
    print('1..0 # SKIP no DTD at %s' % DTD)
    sys.exit(77)

failures = []
count = 0


def check(cond, what, detail=''):
    global count
    count += 1
    if cond:
        print('ok %d - %s' % (count, what))
    else:
        print('not ok %d - %s' % (count, what))
        if detail:
            print('#   ' + str(detail).replace('\n', '\n#   '))
        failures.append(what)
    return cond


tmp = tempfile.mkdtemp(prefix='cimjob-wbem-')
os.chmod(tmp, 0o755)
# Every job's program lives under tmp, so a leftover process is found by its command line.
os.symlink(shutil.which('sleep'), os.path.join(tmp, 'sleep'))
with open(os.path.join(tmp, 'stubborn.sh'), 'w') as f:
    # A tree that ignores SIGTERM: only the escalation to a kill ends it.
    f.write('#!/bin/sh\ntrap "" TERM\n%s/sleep 300 &\n%s/sleep 300\nwait\n' % (tmp, tmp))
os.chmod(os.path.join(tmp, 'stubborn.sh'), 0o755)
accounts = os.path.join(tmp, 'accounts')
PASSWORDS = {'alice': 'alice-pw-1', 'bob': 'bob-pw-2', 'admin': 'admin-pw-3'}
ROLES = {'alice': 'operator', 'bob': 'operator', 'admin': 'administrator'}
for user, pw in PASSWORDS.items():
    subprocess.run([CIMJOB, 'account', 'add', '--accounts', accounts, '--role', ROLES[user], user],
                   input=pw + '\n', text=True, check=True, timeout=30,
                   stdout=subprocess.DEVNULL)

def start_server(extra=()):
    """`cimjob serve` on an ephemeral loopback port; (process, port)."""
    proc = subprocess.Popen([CIMJOB, 'serve', '--listen', '127.0.0.1:0', '--accounts', accounts,
                             '--shutdown-grace', '1'] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r'listening on https?://[^:]+:(\d+)/', line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    print('not ok 1 - cimjob serve did not start: %s' % proc.stderr.read())
    sys.exit(1)


def stop_server(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


server, port = start_server()
HOST = '127.0.0.1:%d' % port


def server_cgroup_dir(pid):
    """The cgroup v2 directory of the server, where the library makes its job cgroups."""
    mnt = None
    with open('/proc/self/mountinfo') as f:
        for line in f:
            if ' - cgroup2 ' in line:
                mnt = line.split()[4]
                break
    rel = '/'
    try:
        with open('/proc/%d/cgroup' % pid) as f:
            for line in f:
                if line.startswith('0::'):
                    rel = line[3:].strip()
    except OSError:
        return None
    return None if mnt is None else mnt + ('' if rel == '/' else rel)


def job_cgroups(where, pid):
    found = []
    if not where or not os.path.isdir(where):
        return found
    for root, dirs, _ in os.walk(where):
        if root.count('/') - where.count('/') > 2:
            dirs[:] = []
            continue
        found += [os.path.join(root, d) for d in dirs if d.startswith('cimjob-%d-' % pid)]
    return found


CGROUP_DIR = server_cgroup_dir(server.pid)
seen_cgroups = []


def url(user, path):
    cred = '%s:%s@' % (user, PASSWORDS[user]) if user else ''
    return 'http://%s%s/%s' % (cred, HOST, path)


CLASS = 'root/cimv2:CIMJOB_ConcreteJob'


def wbem(*args, user='alice', timeout=60):
    """Run wbemcli; (exit status, stdout, stderr)."""
    argv = [WBEMCLI] + [a.replace('@USER@', url(user, '')[:-1]) for a in args]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -1, '', 'wbemcli timed out'


def inst(user, iid):
    return url(user, '%s.InstanceID="%s"' % (CLASS, iid))


def prop(out, name):
    m = re.search(r'(?:^|[ ,-])%s=("(?:[^"\\]|\\.)*"(?:,"(?:[^"\\]|\\.)*")*|[^,\n]*)' % name, out,
                  re.M)
    return m.group(1) if m else None


def start_job(name, argv, user='alice', extra=''):
    cmdline = ','.join('"%s"' % a for a in argv)
    rc, out, err = wbem('cm', url(user, CLASS),
                        'StartJob.Name="%s",CommandLine=%s%s' % (name, cmdline, extra), user=user)
    m = re.search(r'StartJob: (\d+), Job \(reference\): .*InstanceID="([^"]+)"', out)
    check(rc == 0 and m, 'cm StartJob %s answers with a Job reference' % name, out + err)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def cm(iid, call, user='alice', timeout=60):
    rc, out, err = wbem('cm', inst(user, iid), call, user=user, timeout=timeout)
    m = re.search(r'%s: (\d+)' % call.split('.')[0], out)
    return (int(m.group(1)) if m else None), out + err


def job_state(iid):
    rc, out, err = wbem('gi', inst('alice', iid), 'JobState')
    v = prop(out, 'JobState')
    return int(v) if v and v.isdigit() else None


def wait_state(iid, states, secs=30):
    end = time.monotonic() + secs
    s = None
    while time.monotonic() < end:
        s = job_state(iid)
        if s in states:
            return s
        time.sleep(0.2)
    return s


raw_docs = []


def raw(body, method=None, auth=('alice', PASSWORDS['alice']), headers=None):
    """POST /cimom over plain HTTP; (status, headers, body)."""
    import base64
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    h = {'Content-Type': 'application/xml; charset="utf-8"', 'CIMProtocolVersion': '1.0',
         'CIMOperation': 'MethodCall'}
    if method:
        h['CIMMethod'] = method
    if auth:
        h['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % auth).encode()).decode()
    h.update(headers or {})
    c.request('POST', '/cimom', body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status == 200:
        raw_docs.append(data)
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data.decode('utf-8', 'replace')


ENV = ('<?xml version="1.0" encoding="utf-8" ?>\n<CIM CIMVERSION="2.0" DTDVERSION="2.0">\n'
       '<MESSAGE ID="4711" PROTOCOLVERSION="1.0"><SIMPLEREQ>%s</SIMPLEREQ>\n</MESSAGE></CIM>')
NS = ('<LOCALNAMESPACEPATH><NAMESPACE NAME="root"/><NAMESPACE NAME="cimv2"/>'
      '</LOCALNAMESPACEPATH>')


def dropped(body, method, performed, secs=30):
    """POST a CIM-XML request, wait until performed() sees its effect, then drop the
    connection (RST) without reading the answer: what libcurl answers with a resend on a new
    connection. Returns whether the effect was seen."""
    import base64
    import socket
    import struct
    data = body.encode()
    auth = base64.b64encode(('alice:%s' % PASSWORDS['alice']).encode()).decode()
    head = ('POST /cimom HTTP/1.1\r\nHost: %s\r\nContent-Type: application/xml; charset="utf-8"\r\n'
            'CIMProtocolVersion: 1.0\r\nCIMOperation: MethodCall\r\nCIMMethod: %s\r\n'
            'CIMObject: root/cimv2\r\nAuthorization: Basic %s\r\nContent-Length: %d\r\n\r\n'
            % (HOST, method, auth, len(data)))
    s = socket.create_connection(('127.0.0.1', port), timeout=30)
    seen = False
    try:
        s.sendall(head.encode() + data)
        end = time.monotonic() + secs
        while time.monotonic() < end and not seen:
            seen = performed()
            if not seen:
                time.sleep(0.1)
    finally:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    return seen


def mcall(iid, method, params=''):
    return ENV % ('<METHODCALL NAME="%s"><LOCALINSTANCEPATH>%s%s</LOCALINSTANCEPATH>%s'
                  '</METHODCALL>' % (method, NS, iname(iid), params))


def iname(iid):
    return ('<INSTANCENAME CLASSNAME="CIMJOB_ConcreteJob"><KEYBINDING NAME="InstanceID"><KEYVALUE '
            'VALUETYPE="string">%s</KEYVALUE></KEYBINDING></INSTANCENAME>' % iid)


try:
    # ---- classes -------------------------------------------------------------------------
    rc, out, err = wbem('ecn', url('alice', 'root/cimv2'))
    check(rc == 0 and '%s/root/cimv2:CIMJOB_ConcreteJob' % HOST in out, 'ecn lists CIMJOB_ConcreteJob',
          out + err)
    rc, out, err = wbem('ecn', url('alice', 'root/cimv2:CIM_ConcreteJob'))
    check(rc == 0 and out.strip() == '%s/root/cimv2:CIMJOB_ConcreteJob' % HOST,
          'ecn of CIM_ConcreteJob lists its subclass', out + err)
    rc, out, err = wbem('gc', url('alice', CLASS))
    check(rc == 0 and 'InstanceID=,' in out and 'CommandLine=' in out and 'JobState=' in out,
          'gc shows the class with its inherited properties', out + err)

    # ---- StartJob and the reference ----------------------------------------------------------
    code, j1 = start_job('sleeper', [os.path.join(tmp, 'sleep'), '60'])
    check(code == 4096, 'StartJob answers 4096 (Job Started)', code)
    rc, out, err = wbem('gi', inst('alice', j1))
    check(rc == 0 and prop(out, 'JobState') == '4' and prop(out, 'Name') == '"sleeper"' and
          prop(out, 'Owner') == '"alice"', 'gi of the reference: Running, Name, Owner', out + err)
    check('CommandLine="%s/sleep","60"' % tmp in out, 'gi shows CommandLine', out)
    # CommunicationStatus / DetailedStatus from the core's status per JobState; JobInParameters:
    # what StartJob received, an embedded __JobInParameters instance (wbemcli prints its text);
    # JobOutParameters NULL until Completed.
    check(prop(out, 'CommunicationStatus') == '2' and prop(out, 'DetailedStatus') == '1' and
          prop(out, 'PrimaryStatus') == '1' and prop(out, 'HealthState') == '5' and
          prop(out, 'OperatingStatus') == '16' and prop(out, 'OperationalStatus') == '2',
          'gi of a Running job: CommunicationStatus 2, DetailedStatus 1, the status block', out)
    # (wbemcli prints an embedded instance's text as it is, quotes unescaped.)
    jin = re.search(r'JobInParameters="(<INSTANCE .*?</INSTANCE>)"', out)
    check(jin is not None and 'CLASSNAME="__JobInParameters"' in jin.group(1) and
          '<VALUE>sleeper</VALUE>' in jin.group(1) and
          '<VALUE>%s/sleep</VALUE><VALUE>60</VALUE>' % tmp in jin.group(1) and
          re.search(r'JobOutParameters=(,|$)', out, re.M) is not None,
          'gi: JobInParameters is StartJob\'s input (embedded), JobOutParameters NULL', out)
    rc, out, err = wbem('gi', inst('alice', j1), 'JobState,Name')
    check(rc == 0 and (re.search(r' Name="sleeper",JobState=4\s*$', out) is not None or
                       re.search(r' JobState=4,Name="sleeper"\s*$', out) is not None),
          'gi with a property list returns only those', out + err)
    rc, out, err = wbem('ein', url('alice', CLASS))
    check(rc == 0 and 'CIMJOB_ConcreteJob.InstanceID="%s"' % j1 in out, 'ein lists the job',
          out + err)
    rc, out, err = wbem('ei', url('alice', CLASS))
    check(rc == 0 and 'InstanceID="%s"' % j1 in out and 'Backend="posix"' in out,
          'ei shows the job', out + err)
    rc, out, err = wbem('ei', url('alice', CLASS), 'Name,JobState')
    check(rc == 0 and 'Owner=' not in out and 'Name="sleeper"' in out,
          'ei with a property list', out + err)

    # A large EnumerateInstances (17 jobs, about 85 KB of CIM-XML, over the 64 KiB from which
    # cimjob serve sends it in pieces
    # (cimjob_cimxml_handle_pieces, read out by libmicrohttpd's callback); wbemcli reads it whole.
    many = [start_job('many%d' % i, [os.path.join(tmp, 'sleep'), '60'])[1] for i in range(16)]
    rc, out, err = wbem('ei', url('alice', CLASS))
    check(rc == 0 and all('InstanceID="%s"' % i in out for i in many + [j1]),
          'a large ei (sent in pieces) shows every job', out[-2000:] + err)
    for i in many:
        code, out = cm(i, 'KillJob.DeleteOnKill=true')
        check(code == 0, 'KillJob(DeleteOnKill) of a job of the large ei', out)

    # ---- RequestStateChange --------------------------------------------------------------------
    zero = 'TimeoutPeriod="00000000000000.000000:000"'
    code, out = cm(j1, 'RequestStateChange.RequestedState=3,' + zero)
    check(code == 0 and job_state(j1) == 5, 'Suspend: 0, JobState 5', out)
    code, out = cm(j1, 'RequestStateChange.RequestedState=2')
    check(code == 0 and job_state(j1) == 4, 'Start: 0, JobState 4', out)
    code, out = cm(j1, 'RequestStateChange.RequestedState=7')
    check(code == 5, 'a reserved RequestedState: 5', out)
    code, out = cm(j1, 'RequestStateChange.RequestedState=4,TimeoutPeriod="20250101120000.000000+000"')
    check(code == 5 and job_state(j1) == 4, 'a TimeoutPeriod that is a timestamp: 5', out)
    code, out = cm(j1, 'RequestStateChange.RequestedState=4,' + zero)
    check(code == 0 and job_state(j1) == 8, 'Terminate with TimeoutPeriod 0: 0, JobState 8', out)
    code, out = cm(j1, 'RequestStateChange.RequestedState=2')
    check(code == 4097, 'Start on a final job: 4097', out)
    rc, out, err = wbem('di', inst('alice', j1))
    check(rc == 0, 'di of a finished job', out + err)
    rc, out, err = wbem('gi', inst('alice', j1))
    check(rc != 0 and 'CIM_ERR_NOT_FOUND' in err, 'gi of a removed job: CIM_ERR_NOT_FOUND', out + err)

    code, j2 = start_job('stubborn', [os.path.join(tmp, 'stubborn.sh')])
    time.sleep(0.5)  # let the script install its trap
    t0 = time.monotonic()
    code, out = cm(j2, 'RequestStateChange.RequestedState=4,TimeoutPeriod="00000000000001.000000:000"')
    took = time.monotonic() - t0
    rc, gout, gerr = wbem('gi', inst('alice', j2))
    check(code == 3 and prop(gout, 'JobState') == '8' and prop(gout, 'Escalated') == 'TRUE',
          'Terminate of a tree that ignores SIGTERM: 3, Terminated, escalated (%.2f s)' % took,
          out + gout)
    check('escalat' in (prop(gout, 'JobStatus') or '').lower(), 'JobStatus says it escalated',
          gout)
    check(prop(gout, 'PrimaryStatus') == '2' and prop(gout, 'DetailedStatus') == '2' and
          prop(gout, 'HealthState') == '10' and prop(gout, 'CommunicationStatus') == '1' and
          'OperationalStatus=10,3,' in gout,
          'the escalated Terminate: Degraded (PrimaryStatus 2, DetailedStatus 2 Stressed)', gout)

    # ---- KillJob, di ------------------------------------------------------------------------
    code, j3 = start_job('kill-keep', [os.path.join(tmp, 'sleep'), '61'])
    code, out = cm(j3, 'KillJob')
    check(code == 0 and job_state(j3) == 9, 'KillJob without DeleteOnKill: 0, JobState 9', out)
    code, j4 = start_job('kill-delete', [os.path.join(tmp, 'sleep'), '62'])
    code, out = cm(j4, 'KillJob.DeleteOnKill=true')
    check(code == 0, 'KillJob with DeleteOnKill: 0', out)
    rc, out, err = wbem('gi', inst('alice', j4))
    check(rc != 0 and 'CIM_ERR_NOT_FOUND' in err, 'the job is gone after DeleteOnKill', out + err)
    rc, out, err = wbem('di', inst('alice', j3))
    rc2, out2, err2 = wbem('gi', inst('alice', j3))
    check(rc == 0 and 'CIM_ERR_NOT_FOUND' in err2, 'di then gi: CIM_ERR_NOT_FOUND', out + err + err2)

    # ---- a scheduled StartJob: created (0), started by the server's registry at its time --------
    code, js = start_job('scheduled', [os.path.join(tmp, 'sleep'), '64'],
                         extra=',ScheduledStartTime="00000000000001.000000:000",Priority=4')
    s0 = job_state(js)
    s1 = wait_state(js, (4,), secs=30)
    rc, out, err = wbem('gi', inst('alice', js), 'ScheduledStartTime,Priority,StartTime')
    check(code == 0 and s0 == 2 and s1 == 4 and prop(out, 'Priority') == '4'
          and prop(out, 'ScheduledStartTime') == '00000000000001.000000:000',
          'StartJob with ScheduledStartTime (1 s): 0, New, then Running at its time',
          'code %s states %s %s\n%s%s' % (code, s0, s1, out, err))
    code, out = cm(js, 'KillJob.DeleteOnKill=true')
    check(code == 0, 'the scheduled job is killed and removed', out)

    # ---- a job that fails ------------------------------------------------------------------
    code, j5 = start_job('fails', ['/bin/sh', '-c', 'exit 3'])
    s = wait_state(j5, (10,))
    rc, out, err = wbem('gi', inst('alice', j5))
    check(s == 10 and prop(out, 'ErrorCode') == '3' and (prop(out, 'ErrorDescription') or '') != '',
          'a failing job: Exception with ErrorCode 3 and a description', out + err)
    check(prop(out, 'PrimaryStatus') == '3' and prop(out, 'DetailedStatus') == '4' and
          re.search(r'JobOutParameters=(,|$)', out, re.M) is not None,
          'a failing job: PrimaryStatus 3, DetailedStatus 4, no JobOutParameters', out)
    code, j7 = start_job('succeeds', ['/bin/sh', '-c', 'exit 0'])
    s = wait_state(j7, (7,))
    rc, out, err = wbem('gi', inst('alice', j7))
    jout = re.search(r'JobOutParameters="(<INSTANCE .*?</INSTANCE>)"', out)
    jout = jout.group(1) if jout else ''
    check(s == 7 and 'CLASSNAME="__JobOutParameters"' in jout and
          '<PROPERTY NAME="__ReturnValue" TYPE="uint32"><VALUE>0</VALUE>' in jout and
          '<PROPERTY NAME="ExitStatus" TYPE="sint32"><VALUE>0</VALUE>' in jout and
          '<VALUE>/root/cimv2:CIMJOB_ConcreteJob.InstanceID="%s"</VALUE>' % j7 in jout and
          prop(out, 'CommunicationStatus') == '1' and
          prop(out, 'DetailedStatus') == '1',
          'a Completed job: JobOutParameters (__ReturnValue, Job, ExitStatus)', out + err)
    # The same over raw HTTP: the response and both embedded instances valid against the DTD.
    st, h, rbody = raw(ENV % ('<IMETHODCALL NAME="GetInstance">%s<IPARAMVALUE NAME="LocalOnly">'
                              '<VALUE>FALSE</VALUE></IPARAMVALUE><IPARAMVALUE NAME="InstanceName">'
                              '%s</IPARAMVALUE></IMETHODCALL>' % (NS, iname(j7))), 'GetInstance')
    import html
    embedded = [html.unescape(m) for m in re.findall(
        r'NAME="Job(?:In|Out)Parameters" TYPE="string" EmbeddedObject="object"><VALUE>(.*?)</VALUE>'
        r'</PROPERTY>', rbody)]
    bad = []
    for i, text in enumerate(embedded):
        path = os.path.join(tmp, 'embedded%d.xml' % i)
        with open(path, 'w') as f:
            f.write(text)
        p = subprocess.run([XMLLINT, '--noout', '--nonet', '--dtdvalid', DTD, path],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            bad.append(p.stderr[:500])
    check(st == 200 and len(embedded) == 2 and not bad,
          'JobInParameters and JobOutParameters: embedded instances valid against DSP0203',
          (rbody[:300], bad))
    rc, out, err = wbem('di', inst('alice', j7))
    check(rc == 0, 'di of the Completed job', out + err)
    # GetErrors: wbemcli prints each embedded CIM_Error instance's text (EmbeddedObject).
    code, out = cm(j5, 'GetErrors')
    check(code == 0 and 'Errors (string)' in out and 'CLASSNAME="CIM_Error"' in out
          and 'NAME="MessageID"' in out and j5 in out,
          'GetErrors of the failed job: 0 and embedded CIM_Error instances', out)
    code, out = cm(j5, 'GetError')
    check(code == 0 and 'Error (string)' in out and 'CLASSNAME="CIM_Error"' in out,
          'GetError of the failed job: 0 and one embedded CIM_Error', out)

    # ---- a second account, the administrator, no credentials ---------------------------------
    code, j6 = start_job('alices', [os.path.join(tmp, 'sleep'), '63'])
    seen_cgroups = job_cgroups(CGROUP_DIR, server.pid)
    rc, out, err = wbem('gi', inst('bob', j6), user='bob')
    check(rc != 0 and 'CIM_ERR_ACCESS_DENIED' in err, 'bob: gi of alice\'s job: Access Denied',
          out + err)
    code, out = cm(j6, 'KillJob', user='bob')
    check(code == 6 and job_state(j6) == 4, 'bob: KillJob of alice\'s job: 6 (Access Denied)', out)
    # ModifyInstance of the Write properties (wbemcli mi), through cimjob_job_modify().
    rc, out, err = wbem('mi', inst('alice', j6), 'Priority=5,Notify="ops"')
    rc2, out2, err2 = wbem('gi', inst('alice', j6), 'Priority,Notify')
    check(rc == 0 and prop(out2, 'Priority') == '5' and prop(out2, 'Notify') == '"ops"',
          'mi Priority and Notify: the instance shows them', out + err + out2 + err2)
    rc, out, err = wbem('mi', inst('alice', j6), 'Name="renamed"')
    check(rc != 0 and 'CIM_ERR_INVALID_PARAMETER' in err, 'mi of a property without Write: '
          'CIM_ERR_INVALID_PARAMETER', out + err)
    rc, out, err = wbem('mi', inst('bob', j6), 'Priority=1', user='bob')
    rc2, out2, err2 = wbem('gi', inst('alice', j6), 'Priority')
    check(rc != 0 and 'CIM_ERR_ACCESS_DENIED' in err and prop(out2, 'Priority') == '5',
          'bob: mi of alice\'s job: Access Denied, nothing changed', out + err + out2)
    rc, out, err = wbem('ein', url('bob', CLASS), user='bob')
    check(rc == 0 and j6 not in out, 'bob does not see alice\'s jobs', out + err)
    rc, out, err = wbem('ein', url('admin', CLASS), user='admin')
    check(rc == 0 and j6 in out, 'the administrator sees every job', out + err)
    rc, out, err = wbem('ecn', url(None, 'root/cimv2'), user=None)
    check(rc != 0 and 'Username/password required' in err, 'no credentials: 401', out + err)

    # ---- bad input as wbemcli sends it: documented CIM errors --------------------------------
    rc, out, err = wbem('gi', url('alice', 'root/cimv2:CIM_Nothing.InstanceID="%s"' % j6))
    check(rc != 0 and 'CIM_ERR_INVALID_CLASS' in err, 'gi of an unknown class: CIM_ERR_INVALID_CLASS',
          out + err)
    rc, out, err = wbem('gi', url('alice', 'root/cimv2:CIM_Error.InstanceID="%s"' % j6))
    check(rc != 0 and 'Cim: (6)' in err,
          'gi of a job\'s key under another class (CIM_Error): CIM_ERR_NOT_FOUND (6)', out + err)
    rc, out, err = wbem('gi', url('alice', '%s.Name="alices"' % CLASS))
    check(rc != 0 and 'CIM_ERR_INVALID_PARAMETER' in err,
          'gi with a key that is not InstanceID: CIM_ERR_INVALID_PARAMETER', out + err)
    rc, out, err = wbem('gi', url('alice', 'root/nowhere:%s.InstanceID="%s"' % (CLASS[11:], j6)))
    check(rc != 0 and 'CIM_ERR_INVALID_NAMESPACE' in err,
          'gi in an unknown namespace: CIM_ERR_INVALID_NAMESPACE', out + err)
    code, out = cm(j6, 'RequestStateChange')
    check(code is None and 'CIM_ERR_INVALID_PARAMETER' in out,
          'RequestStateChange without RequestedState: CIM_ERR_INVALID_PARAMETER', out)
    code, out = cm(j6, 'RequestStateChange.RequestedState=four')
    check(code is None and 'CIM_ERR_INVALID_PARAMETER' in out,
          'a RequestedState that is not a uint16: CIM_ERR_INVALID_PARAMETER', out)
    code, out = cm(j6, 'KillJob.DeleteOnKill=perhaps')
    check(code is None and 'CIM_ERR_INVALID_PARAMETER' in out,
          'a DeleteOnKill that is not a boolean: CIM_ERR_INVALID_PARAMETER', out)
    rc, out, err = wbem('cm', url('alice', CLASS), 'StartJob.Name="nocmd"')
    check(rc != 0 and 'CIM_ERR_INVALID_PARAMETER' in err,
          'StartJob without CommandLine: CIM_ERR_INVALID_PARAMETER', out + err)
    rc, out, err = wbem('cm', url('alice', CLASS), 'StartJob.Name="emptycmd",CommandLine=""')
    check(rc != 0 and 'CIM_ERR_INVALID_PARAMETER' in err,
          'StartJob with an empty CommandLine: CIM_ERR_INVALID_PARAMETER', out + err)
    rc, out, err = wbem('cm', url('alice', CLASS),
                        'StartJob.Name="%s",CommandLine="/bin/true"' % ('n' * 5000))
    check(rc == 0 and 'StartJob: 5' in out and 'reference' not in out,
          'StartJob with a 5000-byte Name: 5, no job', out + err)
    rc, out, err = wbem('ein', url('alice', CLASS))
    check(rc == 0 and 'nocmd' not in out and out.count('InstanceID=') == len(
        re.findall(r'InstanceID="[^"]+"', out)) and j6 in out,
          'no job was made or lost by the bad input', out + err)

    # ---- a method call received twice: sent, performed, the connection dropped without an
    # answer, sent again (libcurl's resend). Each is performed again and answers the state
    # table's code for the second attempt; nothing more changes (docs/wbem.md).
    code, j8 = start_job('twice', [os.path.join(tmp, 'sleep'), '66'])
    body = mcall(j8, 'RequestStateChange',
                 '<PARAMVALUE NAME="RequestedState"><VALUE>3</VALUE></PARAMVALUE>')
    seen = dropped(body, 'RequestStateChange', lambda: job_state(j8) == 5)
    st, h, rbody = raw(body, 'RequestStateChange')
    check(seen and st == 200 and '<RETURNVALUE PARAMTYPE="uint32"><VALUE>0</VALUE>' in rbody and
          job_state(j8) == 5, 'Suspend received twice: Suspended, the resend answers 0', rbody)
    body = mcall(j8, 'KillJob')
    seen = dropped(body, 'KillJob', lambda: job_state(j8) == 9)
    st, h, rbody = raw(body, 'KillJob')
    check(seen and st == 200 and '<RETURNVALUE PARAMTYPE="uint32"><VALUE>32769</VALUE>' in rbody
          and job_state(j8) == 9,
          'KillJob received twice: Killed, the resend answers 32769 (Invalid State)', rbody)
    body = ENV % ('<METHODCALL NAME="StartJob"><LOCALCLASSPATH>%s<CLASSNAME NAME="CIMJOB_ConcreteJob"/>'
                  '</LOCALCLASSPATH><PARAMVALUE NAME="Name"><VALUE>twice-start</VALUE></PARAMVALUE>'
                  '<PARAMVALUE NAME="CommandLine"><VALUE.ARRAY><VALUE>%s/sleep</VALUE><VALUE>67'
                  '</VALUE></VALUE.ARRAY></PARAMVALUE></METHODCALL>' % (NS, tmp))

    def twice_jobs():
        rc, out, err = wbem('ei', url('alice', CLASS), 'Name')
        return re.findall(r'InstanceID="([^"]+)" Name="twice-start"', out)
    seen = dropped(body, 'StartJob', lambda: len(twice_jobs()) == 1)
    st, h, rbody = raw(body, 'StartJob')
    both = twice_jobs()
    check(seen and st == 200 and '<VALUE>4096</VALUE>' in rbody and len(both) == 2,
          'StartJob received twice: two jobs, both listed for the client', (rbody[:400], both))
    for i in both:
        code, out = cm(i, 'KillJob.DeleteOnKill=true')
        check(code == 0, 'KillJob(DeleteOnKill) of a job started twice', out)
    check(not twice_jobs(), 'both jobs of the doubled StartJob are gone')

    # ---- bad input over raw HTTP: documented errors, the server keeps answering --------------
    st, h, body = raw(ENV % ('<METHODCALL NAME="StartJob"><LOCALCLASSPATH>%s<CLASSNAME '
                             'NAME="CIMJOB_ConcreteJob"/></LOCALCLASSPATH><PARAMVALUE NAME="Name">'
                             '<VALUE>a<b&c></VALUE></PARAMVALUE></METHODCALL>' % NS), 'StartJob')
    check(st == 400 and h.get('cimerror') == 'request-not-well-formed',
          'malformed XML: 400 request-not-well-formed', (st, h, body))
    xxe = ('<?xml version="1.0"?><!DOCTYPE CIM [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE ID="1" PROTOCOLVERSION="1.0">'
           '<SIMPLEREQ><IMETHODCALL NAME="GetClass">%s<IPARAMVALUE NAME="ClassName"><CLASSNAME '
           'NAME="&x;"/></IPARAMVALUE></IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>' % NS)
    st, h, body = raw(xxe, 'GetClass')
    check(st == 400 and 'root:' not in body, 'XXE refused (400, nothing read)', (st, h, body))
    lol = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' +
           ''.join('<!ENTITY %s "%s">' % (chr(98 + i), ('&%s;' % chr(97 + i)) * 10)
                   for i in range(9)) + ']><CIM CIMVERSION="2.0" DTDVERSION="2.0">&j;</CIM>')
    t0 = time.monotonic()
    st, h, body = raw(lol)
    check(st == 400 and time.monotonic() - t0 < 5, 'billion laughs refused at once', (st, h))
    st, h, body = raw('<?xml version="1.0"?><html/>')
    check(st == 400 and h.get('cimerror') == 'request-not-valid', 'a document of the wrong shape',
          (st, h))
    st, h, body = raw(ENV % ('<IMETHODCALL NAME="GetInstance">%s<IPARAMVALUE NAME="InstanceName">'
                             '<INSTANCENAME CLASSNAME="CIMJOB_ConcreteJob"><KEYBINDING NAME="Name">'
                             '<KEYVALUE>x</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>'
                             '</IMETHODCALL>' % NS), 'GetInstance')
    check(st == 200 and 'ERROR CODE="4"' in body, 'a key of another name: CIM_ERR_INVALID_PARAMETER',
          body)
    st, h, body = raw(ENV % ('<IMETHODCALL NAME="EnumerateInstances"><LOCALNAMESPACEPATH>'
                             '<NAMESPACE NAME="root"/><NAMESPACE NAME="nowhere"/>'
                             '</LOCALNAMESPACEPATH></IMETHODCALL>'), 'EnumerateInstances')
    check(st == 200 and 'ERROR CODE="3"' in body, 'unknown namespace: CIM_ERR_INVALID_NAMESPACE', body)
    st, h, body = raw(ENV % ('<METHODCALL NAME="StartJob"><LOCALCLASSPATH>%s<CLASSNAME '
                             'NAME="CIMJOB_ConcreteJob"/></LOCALCLASSPATH><PARAMVALUE NAME="Name">'
                             '<VALUE>x</VALUE></PARAMVALUE><PARAMVALUE NAME="CommandLine"><VALUE>'
                             'sleep 1</VALUE></PARAMVALUE></METHODCALL>' % NS), 'StartJob')
    check(st == 200 and 'ERROR CODE="4"' in body, 'a non-array CommandLine: CIM_ERR_INVALID_PARAMETER',
          body)
    st, h, body = raw(ENV % ('<METHODCALL NAME="StartJob"><LOCALCLASSPATH>%s<CLASSNAME '
                             'NAME="CIMJOB_ConcreteJob"/></LOCALCLASSPATH><PARAMVALUE NAME="Name">'
                             '<VALUE>%s</VALUE></PARAMVALUE><PARAMVALUE NAME="CommandLine">'
                             '<VALUE.ARRAY><VALUE>true</VALUE></VALUE.ARRAY></PARAMVALUE>'
                             '</METHODCALL>' % (NS, 'n' * 100000)), 'StartJob')
    check(st == 200 and '<VALUE>5</VALUE>' in body, 'a huge Name: RETURNVALUE 5', body[:500])
    # The same documents wbemcli sends, to validate what the server answers.
    for doc, m in [
        ('<IMETHODCALL NAME="EnumerateClassNames">%s<IPARAMVALUE NAME="DeepInheritance"><VALUE>'
         'TRUE</VALUE></IPARAMVALUE></IMETHODCALL>' % NS, 'EnumerateClassNames'),
        ('<IMETHODCALL NAME="GetClass">%s<IPARAMVALUE NAME="ClassName"><CLASSNAME '
         'NAME="CIMJOB_ConcreteJob"/></IPARAMVALUE><IPARAMVALUE NAME="LocalOnly"><VALUE>FALSE'
         '</VALUE></IPARAMVALUE><IPARAMVALUE NAME="IncludeQualifiers"><VALUE>TRUE</VALUE>'
         '</IPARAMVALUE><IPARAMVALUE NAME="IncludeClassOrigin"><VALUE>TRUE</VALUE></IPARAMVALUE>'
         '</IMETHODCALL>' % NS, 'GetClass'),
        ('<IMETHODCALL NAME="EnumerateInstanceNames">%s<IPARAMVALUE NAME="ClassName"><CLASSNAME '
         'NAME="CIMJOB_ConcreteJob"/></IPARAMVALUE></IMETHODCALL>' % NS, 'EnumerateInstanceNames'),
        ('<IMETHODCALL NAME="EnumerateInstances">%s<IPARAMVALUE NAME="ClassName"><CLASSNAME '
         'NAME="CIMJOB_ConcreteJob"/></IPARAMVALUE><IPARAMVALUE NAME="IncludeClassOrigin"><VALUE>'
         'TRUE</VALUE></IPARAMVALUE></IMETHODCALL>' % NS, 'EnumerateInstances'),
        ('<IMETHODCALL NAME="GetInstance">%s<IPARAMVALUE NAME="LocalOnly"><VALUE>FALSE</VALUE>'
         '</IPARAMVALUE><IPARAMVALUE NAME="InstanceName">%s</IPARAMVALUE></IMETHODCALL>'
         % (NS, iname(j6)), 'GetInstance'),
        ('<IMETHODCALL NAME="GetInstance">%s<IPARAMVALUE NAME="InstanceName">%s</IPARAMVALUE>'
         '</IMETHODCALL>' % (NS, iname('cimjob:none')), 'GetInstance'),
        ('<METHODCALL NAME="RequestStateChange"><LOCALINSTANCEPATH>%s%s</LOCALINSTANCEPATH>'
         '<PARAMVALUE NAME="RequestedState"><VALUE>3</VALUE></PARAMVALUE></METHODCALL>'
         % (NS, iname(j6)), 'RequestStateChange'),
        ('<METHODCALL NAME="StartJob"><LOCALCLASSPATH>%s<CLASSNAME NAME="CIMJOB_ConcreteJob"/>'
         '</LOCALCLASSPATH><PARAMVALUE NAME="Name"><VALUE>raw</VALUE></PARAMVALUE><PARAMVALUE '
         'NAME="CommandLine"><VALUE.ARRAY><VALUE>%s/sleep</VALUE><VALUE>64</VALUE></VALUE.ARRAY>'
         '</PARAMVALUE></METHODCALL>' % (NS, tmp), 'StartJob'),
        ('<IMETHODCALL NAME="Associators">%s</IMETHODCALL>' % NS, 'Associators'),
    ]:
        st, h, body = raw(ENV % doc, m)
        check(st == 200 and h.get('cimoperation') == 'MethodResponse',
              '%s over raw HTTP: 200 MethodResponse' % m, (st, h, body[:300]))
    invalid = []
    for i, data in enumerate(raw_docs):
        path = os.path.join(tmp, 'rsp%d.xml' % i)
        with open(path, 'wb') as f:
            f.write(data)
        p = subprocess.run([XMLLINT, '--noout', '--nonet', '--dtdvalid', DTD, path],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            invalid.append(p.stderr[:500])
    check(raw_docs and not invalid, 'all %d CIM-XML responses valid against DSP0203 2.4.0' %
          len(raw_docs), '\n'.join(invalid))
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    c.request('GET', '/cimom', headers={'Authorization': 'Basic ' + __import__('base64').b64encode(
        b'alice:' + PASSWORDS['alice'].encode()).decode()})
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 405, 'GET /cimom: 405', r.status)
    st, h, body = raw(ENV % ('<IMETHODCALL NAME="EnumerateClassNames">%s</IMETHODCALL>' % NS),
                      'EnumerateClassNames', auth=('alice', 'wrong'))
    check(st == 401, 'wrong password: 401', st)
    rc, out, err = wbem('ecn', url('alice', 'root/cimv2'))
    check(rc == 0 and 'CIMJOB_ConcreteJob' in out, 'the server still answers', out + err)
finally:
    # ---- stop the server: nothing of any job may be left ---------------------------------------
    stopped = stop_server(server)
    check(stopped and server.returncode == 0, 'cimjob serve stops on SIGTERM with status 0',
          server.returncode)
    # The same over HTTPS (the server's TLS, wbemcli checking the certificate).
    if shutil.which('openssl'):
        cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp, 'key.pem')
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                        'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
                        '-days', '2', '-subj', '/CN=127.0.0.1', '-addext',
                        'subjectAltName=IP:127.0.0.1'], check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tls, tport = start_server(['--cert', cert, '--key', key])
        tls_cg = server_cgroup_dir(tls.pid)
        try:
            turl = 'https://alice:%s@127.0.0.1:%d/' % (PASSWORDS['alice'], tport)
            p = subprocess.run([WBEMCLI, '-cacert', cert, 'cm', turl + CLASS,
                                'StartJob.Name="tls",CommandLine="%s/sleep","65"' % tmp],
                               capture_output=True, text=True, timeout=60)
            m = re.search(r'InstanceID="([^"]+)"', p.stdout)
            check(p.returncode == 0 and m is not None, 'HTTPS: cm StartJob', p.stdout + p.stderr)
            if m:
                p = subprocess.run([WBEMCLI, '-cacert', cert, 'cm',
                                    turl + '%s.InstanceID="%s"' % (CLASS, m.group(1)),
                                    'KillJob.DeleteOnKill=true'],
                                   capture_output=True, text=True, timeout=60)
                check(p.returncode == 0 and 'KillJob: 0' in p.stdout, 'HTTPS: cm KillJob: 0',
                      p.stdout + p.stderr)
        finally:
            check(stop_server(tls) and tls.returncode == 0, 'the HTTPS server stops with status 0',
                  tls.returncode)
            check(not job_cgroups(tls_cg, tls.pid), 'no job cgroup of the HTTPS server is left')
    left = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmd = f.read().replace(b'\0', b' ').decode('utf-8', 'replace')
        except OSError:
            continue
        if tmp in cmd and 'test_wbem.py' not in cmd:
            left.append('%s: %s' % (pid, cmd))
    check(not left, 'no process of any job is left after the server stopped', '\n'.join(left))
    cg_left = job_cgroups(CGROUP_DIR, server.pid)
    check(not cg_left, 'no job cgroup is left (%d seen while jobs ran)' % len(seen_cgroups),
          '\n'.join(cg_left))
    for line in left:  # end what a failure left, by PID
        try:
            os.kill(int(line.split(':')[0]), signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)

print('1..%d' % count)
sys.exit(1 if failures else 0)
