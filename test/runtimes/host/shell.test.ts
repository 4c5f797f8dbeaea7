// The shell of a `/bin/sh` script on the host engine: the kind the step's image has, or KILN_SH.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_SH, namedShell, onPath, scriptText, shellFor } from '../../../runtimes/host/shell.js';

const find = (n: string) => (n === 'busybox' ? '/usr/bin/busybox' : n === 'bash' ? '/usr/bin/bash' : undefined);
const dir = mkdtempSync(join(tmpdir(), 'kiln-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the shell of a step', () => {
  it('is busybox ash for busybox, alpine and bash images, /bin/sh for the others', () => {
    for (const image of [
      'busybox',
      'busybox:1.36',
      'docker.io/library/alpine:3.20',
      'mirror.gcr.io/bash',
      'node:20-alpine',
    ])
      expect(shellFor(image, undefined, find), image).toEqual(['/usr/bin/busybox', 'sh']);
    for (const image of ['ubuntu', 'mirror.gcr.io/ubuntu:24.04', 'python:3.12', undefined])
      expect(shellFor(image, undefined, find), String(image)).toEqual(HOST_SH);
  });

  it('is what KILN_SH names, whatever the image; without busybox, ash falls back to /bin/sh', () => {
    expect(shellFor('ubuntu', 'ash', find)).toEqual(['/usr/bin/busybox', 'sh']);
    expect(shellFor('busybox', 'bash', find)).toEqual(['/usr/bin/bash']);
    expect(shellFor('busybox', '/opt/sh', find)).toEqual(['/opt/sh']);
    expect(shellFor('alpine', undefined, () => undefined)).toEqual(HOST_SH);
    expect(namedShell('zsh', find)).toBeUndefined();
  });

  it('writes the script as Tekton does: set -e without #!, /bin/sh and /bin/ash lines become the shell', () => {
    const ash = ['/usr/bin/busybox', 'sh'];
    expect(scriptText('echo hi', ash)).toBe('#!/usr/bin/busybox sh\nset -e\necho hi');
    expect(scriptText('#!/bin/sh\necho hi', ash)).toBe('#!/usr/bin/busybox sh\necho hi');
    expect(scriptText('#!/bin/ash', ash)).toBe('#!/usr/bin/busybox sh');
    expect(scriptText('#!/usr/bin/env sh\necho hi', ash)).toBe('#!/usr/bin/busybox sh\necho hi');
    expect(scriptText('#!/usr/bin/env  ash\necho hi', ash)).toBe('#!/usr/bin/busybox sh\necho hi');
    expect(scriptText('#!/usr/bin/env shellcheck\necho hi', ash)).toBe('#!/usr/bin/env shellcheck\necho hi');
    expect(scriptText('#!/usr/bin/env bash\necho hi', ash)).toBe('#!/usr/bin/env bash\necho hi');
    expect(scriptText('#!/usr/bin/env python3\nprint(1)')).toBe('#!/usr/bin/env python3\nprint(1)');
  });

  it('runs a script that only ash and bash accept (echo -e) the same under both', () => {
    const outputs = ['ash', 'bash'].map((name) => {
      const file = join(dir, `s-${name}`);
      writeFileSync(file, scriptText('x=$(echo -e "a\\tb"); echo "${#x}"', namedShell(name)!));
      chmodSync(file, 0o755);
      return spawnSync(file, { encoding: 'utf8' }).stdout;
    });
    expect(outputs).toEqual(['3\n', '3\n']);
    expect(onPath('busybox')).toBeDefined();
  });
});
