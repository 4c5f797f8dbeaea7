// The run token: what it binds, and that only its one canonical spelling verifies.
import { describe, expect, it } from 'vitest';
import { mintRunToken, runClaims, verifyRunToken } from '../../collector/index.js';

const SECRET = 'token-test-secret';

describe('run token', () => {
  it("binds the run's id, pipeline, branch and namespace", () => {
    const claims = { run: 'r1', pipeline: 'web', branch: 'feature/x', namespace: 'team-a' };
    expect(verifyRunToken(SECRET, mintRunToken(SECRET, claims))).toEqual(claims);
    expect(verifyRunToken(SECRET, mintRunToken(SECRET, { run: 'r2', pipeline: 'web' }))).toEqual({
      run: 'r2',
      pipeline: 'web',
    });
    expect(verifyRunToken('another secret', mintRunToken(SECRET, claims))).toBeNull();
  });

  it('takes the branch from the label, else a non-empty string param', () => {
    const base = { id: 'r', name: 'p' };
    expect(runClaims({ ...base, params: { branch: 'dev' } }, 'ns').branch).toBe('dev');
    expect(runClaims({ ...base, params: { branch: 'dev' }, labels: { branch: 'rel' } }).branch).toBe('rel');
    expect(runClaims({ ...base, params: { branch: ['a'] } })).toEqual({ run: 'r', pipeline: 'p' });
  });

  it('refuses every other spelling of a valid token', () => {
    const token = mintRunToken(SECRET, { run: 'run-with-bytes-\u00ff\u00fe', pipeline: 'web' });
    expect(verifyRunToken(SECRET, token)).not.toBeNull();
    const [prefix, body, mac] = token.split('.');
    const std = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/');
    const variants = [
      `${token}=`,
      `${prefix}.${body}=.${mac}`,
      `${token}!!`,
      `${prefix}.${body}!!.${mac}`,
      `${prefix}.${std(body)}.${std(mac)}`,
      `${prefix}.${body}.${std(mac)}`,
      `${token}.`,
      ` ${token}`,
    ];
    // The spellings that change something must exist in this token, or the test proves nothing.
    expect(`${body}${mac}`).toMatch(/[-_]/);
    for (const v of variants) expect(verifyRunToken(SECRET, v), v).toBeNull();
  });

  it('is not minted without a run id and a pipeline', () => {
    expect(() => mintRunToken(SECRET, { run: '', pipeline: 'p' })).toThrow('empty pipeline run id');
    expect(() => mintRunToken(SECRET, { run: 'r', pipeline: '' })).toThrow('no pipeline name');
  });
});
