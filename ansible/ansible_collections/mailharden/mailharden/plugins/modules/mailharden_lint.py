#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see LICENSE in the mailharden repository)
"""Ansible module: mailharden lint, over the CLI's JSON report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: mailharden_lint
short_description: Audit sendmail and qmail configuration with mailharden
version_added: "0.1.0"
description:
  - Runs C(mailharden lint --format json) on the host (the system under I(root), or the given paths) and returns the findings as data.
  - Fails the host when a finding not suppressed is at or above I(fail_on).
  - Changes nothing, in check mode or not.
options:
  root:
    description: Lint the system laid out under this directory as C(/), or a C(.tar.gz) made by C(mailharden collect-script).
    type: path
  paths:
    description: Lint these files or directories instead of a system.
    type: list
    elements: path
  fail_on:
    description: Fail at or above this severity.
    type: str
    choices: [critical, high, medium, low, info, none]
    default: medium
  cli:
    description: The mailharden program on the host.
    type: path
    default: mailharden
author:
  - mailharden contributors
"""

EXAMPLES = r"""
- name: Audit the mail configuration
  mailharden.mailharden.mailharden_lint:
    fail_on: high
  register: audit
"""

RETURN = r"""
findings:
  description: The findings not suppressed (rule, severity, file, line, column, message).
  returned: always
  type: list
  elements: dict
counts:
  description: The number of findings not suppressed, by severity.
  returned: always
  type: dict
failing:
  description: The findings at or above I(fail_on).
  returned: always
  type: int
"""

import json

from ansible.module_utils.basic import AnsibleModule

SEVERITIES = ['critical', 'high', 'medium', 'low', 'info']


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type='path'),
            paths=dict(type='list', elements='path'),
            fail_on=dict(type='str', default='medium', choices=SEVERITIES + ['none']),
            cli=dict(type='path', default='mailharden'),
        ),
        mutually_exclusive=[('root', 'paths')],
        supports_check_mode=True,
    )
    p = module.params
    args = [p['cli'], 'lint', '--format', 'json', '--fail-on', 'none']
    if p['paths']:
        args += ['--'] + p['paths']
    else:
        args += ['--root', p['root'] or '/']
    rc, out, err = module.run_command(args)
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg=(err.strip() or 'mailharden lint printed no report') + ' (exit %d)' % rc, rc=rc, stderr=err)
    findings = []
    for f in report.get('findings', []):
        if f.get('suppressed'):
            continue
        findings.append({k: f.get(k) for k in ('ruleId', 'slug', 'severity', 'file', 'line', 'column', 'message')})
    counts = dict((s, 0) for s in SEVERITIES)
    for f in findings:
        counts[f['severity']] = counts.get(f['severity'], 0) + 1
    limit = SEVERITIES.index(p['fail_on']) if p['fail_on'] != 'none' else -1
    failing = [f for f in findings if SEVERITIES.index(f['severity']) <= limit]
    result = dict(changed=False, findings=findings, counts=counts, failing=len(failing), summary=report.get('summary'), rc=rc)
    if failing:
        module.fail_json(msg='%d finding%s at or above %s' % (len(failing), '' if len(failing) == 1 else 's', p['fail_on']), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
