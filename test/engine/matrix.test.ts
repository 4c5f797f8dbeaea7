// Matrix combinations, Tekton's include semantics included (its documentation's own example).
import { describe, expect, it } from 'vitest';
import { matrixCombinations } from '../../engine/matrix.js';

describe('matrixCombinations', () => {
  it('is undefined without a matrix, the cartesian product (first param slowest) with one', () => {
    expect(matrixCombinations(undefined)).toBeUndefined();
    expect(matrixCombinations({})).toBeUndefined();
    expect(matrixCombinations({ os: ['linux', 'mac'], node: ['18', '20'] })).toEqual([
      { os: 'linux', node: '18' },
      { os: 'linux', node: '20' },
      { os: 'mac', node: '18' },
      { os: 'mac', node: '20' },
    ]);
    expect(matrixCombinations({ os: [] })).toEqual([]);
  });

  it("varies the first param fastest in Tekton's order, each combination's params as written", () => {
    const combos = matrixCombinations({ os: ['linux', 'mac'], node: ['18', '20'], arch: ['x'] }, [], 'firstFastest');
    expect(combos).toEqual([
      { os: 'linux', node: '18', arch: 'x' },
      { os: 'mac', node: '18', arch: 'x' },
      { os: 'linux', node: '20', arch: 'x' },
      { os: 'mac', node: '20', arch: 'x' },
    ]);
    expect(combos!.map((c) => Object.keys(c).join())).toEqual(Array(4).fill('os,node,arch'));
  });

  it("follows Tekton's include: extras on matching combinations, a new combination when none matches", () => {
    const combos = matrixCombinations(
      { GOARCH: ['linux/amd64', 'linux/ppc64le', 'linux/s390x'], version: ['go1.17', 'go1.18.1'] },
      [
        { name: 'common-package', params: { package: 'path/to/common/package/' } },
        { name: 's390x-no-race', params: { GOARCH: 'linux/s390x', flags: '-cover -v' } },
        { name: 'go117-context', params: { version: 'go1.17', context: 'path/to/go117/context' } },
        { name: 'non-existent-arch', params: { GOARCH: 'I-do-not-exist' } },
      ],
    );
    const pkg = { package: 'path/to/common/package/' };
    expect(combos).toEqual([
      { GOARCH: 'linux/amd64', version: 'go1.17', ...pkg, context: 'path/to/go117/context' },
      { GOARCH: 'linux/amd64', version: 'go1.18.1', ...pkg },
      { GOARCH: 'linux/ppc64le', version: 'go1.17', ...pkg, context: 'path/to/go117/context' },
      { GOARCH: 'linux/ppc64le', version: 'go1.18.1', ...pkg },
      { GOARCH: 'linux/s390x', version: 'go1.17', ...pkg, flags: '-cover -v', context: 'path/to/go117/context' },
      { GOARCH: 'linux/s390x', version: 'go1.18.1', ...pkg, flags: '-cover -v' },
      { GOARCH: 'I-do-not-exist' },
    ]);
  });

  it('never overwrites a value, and makes a matrix of includes only one combination each', () => {
    expect(
      matrixCombinations({ os: ['linux'] }, [
        { params: { os: 'linux', arch: 'amd64' } },
        { params: { arch: 'arm64' } },
      ]),
    ).toEqual([{ os: 'linux', arch: 'amd64' }]);
    expect(
      matrixCombinations({}, [
        { name: 'a', params: { x: '1' } },
        { name: 'b', params: { x: '2', y: '3' } },
      ]),
    ).toEqual([{ x: '1' }, { x: '2', y: '3' }]);
  });
});
