#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see LICENSE in the mailharden repository)
"""Ansible module: mailharden apply, over the CLI's JSON plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: mailharden_apply
short_description: Bring sendmail and qmail files to a mailharden policy
version_added: "0.1.0"
description:
  - Runs C(mailharden apply POLICY --format json) on the host and reports what it planned or did.
  - Check mode runs it with C(--dry-run): nothing is written.
  - Diff mode returns, for each file that changes, its text before and after.
  - C(changed) is the plan's: true when a file, a link, a mode, an owner or an attribute changes.
options:
  policy:
    description: Path of the policy file on the host. One of I(policy) and I(policy_content) is required.
    type: path
  policy_content:
    description:
      - The policy itself (a mapping, or YAML text), written to a private temporary file on the host for the run and removed after.
    type: raw
  root:
    description: Apply to the tree laid out under this directory as C(/) (mailharden's C(--root)).
    type: path
    default: /
  cli:
    description: The mailharden program on the host.
    type: path
    default: mailharden
  backup:
    description: Keep a run directory with copies of the old files, for C(mailharden rollback).
    type: bool
    default: true
  backup_dir:
    description: The directory of run directories (C(--backup-dir)).
    type: path
  validate:
    description: Check the candidates with sendmail, m4, makemap and tcprules before writing.
    type: bool
    default: true
  post_commands:
    description: Run newaliases, makemap and tcprules after the files change.
    type: bool
    default: true
  files_only:
    description: Manage file contents only, no links, modes or attributes (C(--files-only)).
    type: bool
    default: false
  allow_chattr:
    description: Clear and set again the immutable bit of files that change (C(--allow-chattr)).
    type: bool
    default: false
author:
  - mailharden contributors
"""

EXAMPLES = r"""
- name: Apply the site policy
  mailharden.mailharden.mailharden_apply:
    policy: /etc/mailharden/policy.yaml

- name: Apply a policy from host_vars to a tree
  mailharden.mailharden.mailharden_apply:
    policy_content: "{{ mailharden_policy }}"
    root: /srv/chroot/mx1
"""

RETURN = r"""
status:
  description: How the run ended (no-changes, planned, applied, verified, unverified, immutable, rejected, failed).
  returned: always
  type: str
plan:
  description: The document C(apply --format json) printed (schemas/apply-plan.json), without the file texts.
  returned: always
  type: dict
backup:
  description: The run directory of a real run, for C(mailharden rollback).
  returned: when a real run made one
  type: str
"""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text


def policy_file(module):
    """The policy's path, and a temporary file to remove after the run (or None)."""
    if module.params['policy']:
        return module.params['policy'], None
    content = module.params['policy_content']
    if isinstance(content, (dict, list)):
        # JSON is YAML: the CLI reads it as it reads the policy file.
        text = json.dumps(content, indent=2, sort_keys=True) + '\n'
    else:
        text = to_text(content)
    fd, path = tempfile.mkstemp(prefix='mailharden-policy-', suffix='.yaml')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    return path, path


def argv(module, policy):
    p = module.params
    args = [p['cli'], 'apply', policy, '--format', 'json', '--root', p['root']]
    if module.check_mode:
        args.append('--dry-run')
    if not p['backup']:
        args.append('--no-backup')
    if p['backup_dir']:
        args += ['--backup-dir', p['backup_dir']]
    if not p['validate']:
        args.append('--no-validate')
    if not p['post_commands']:
        args.append('--no-post-commands')
    if p['files_only']:
        args.append('--files-only')
    if p['allow_chattr']:
        args.append('--allow-chattr')
    return args


def diffs(plan):
    """Ansible's diff entries: one per file that changes, its text before and after."""
    out = []
    for f in plan.get('files', []):
        if f.get('action') == 'unchanged':
            continue
        out.append({
            'before_header': f['path'] if f.get('before') else '%s (absent)' % f['path'],
            'after_header': f['path'],
            'before': f.get('beforeText') or '',
            'after': f.get('afterText') or '',
        })
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            policy=dict(type='path'),
            policy_content=dict(type='raw'),
            root=dict(type='path', default='/'),
            cli=dict(type='path', default='mailharden'),
            backup=dict(type='bool', default=True),
            backup_dir=dict(type='path'),
            validate=dict(type='bool', default=True),
            post_commands=dict(type='bool', default=True),
            files_only=dict(type='bool', default=False),
            allow_chattr=dict(type='bool', default=False),
        ),
        required_one_of=[('policy', 'policy_content')],
        mutually_exclusive=[('policy', 'policy_content')],
        supports_check_mode=True,
    )
    policy, temporary = policy_file(module)
    try:
        rc, out, err = module.run_command(argv(module, policy))
    finally:
        if temporary:
            os.unlink(temporary)
    try:
        plan = json.loads(out) if out.strip() else None
    except ValueError:
        plan = None
    if plan is None:
        # No document: the CLI stopped before planning (a policy that does not load, a bad flag).
        module.fail_json(msg=(err.strip() or 'mailharden apply printed nothing') + ' (exit %d)' % rc, rc=rc, stderr=err)
    result = {
        'changed': bool(plan.get('changed')),
        'status': plan.get('status'),
        'rc': rc,
        'stderr': err,
        'warnings': [],
    }
    if plan.get('backup'):
        result['backup'] = plan['backup']
    if module._diff:
        result['diff'] = diffs(plan)
    # The texts are in the diff already; the plan returned keeps the hashes, actions and commands.
    for f in plan.get('files', []):
        f.pop('beforeText', None)
        f.pop('afterText', None)
    result['plan'] = plan
    ok = rc == 0 and plan.get('status') not in ('failed', 'rejected', 'immutable', 'unverified')
    if not ok:
        module.fail_json(msg=plan.get('error') or err.strip() or 'mailharden apply: %s (exit %d)' % (plan.get('status'), rc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
