import { describe, expect, it } from 'vitest';
import { PaddockError } from '@paddock/protocol';
import { checkGitUrl, classifyGitError, gitCloneArgv, redactCredentials, repoName } from './git.js';

describe('git checkout helpers', () => {
  it('pins the clone argv: options, then --, then URL and directory', () => {
    expect(gitCloneArgv({ repoUrl: 'https://h/r.git' }, '/workspace/r')).toEqual([
      'clone',
      '--quiet',
      '--',
      'https://h/r.git',
      '/workspace/r',
    ]);
    expect(gitCloneArgv({ repoUrl: 'https://h/r.git', branch: 'dev', depth: 1 }, '/w/x')).toEqual([
      'clone',
      '--quiet',
      '--branch',
      'dev',
      '--single-branch',
      '--depth',
      '1',
      '--',
      'https://h/r.git',
      '/w/x',
    ]);
  });

  it('redacts credentials from URLs anywhere in a text', () => {
    expect(
      redactCredentials("fatal: Authentication failed for 'https://me:tok3n@git.example/r.git/'"),
    ).toBe("fatal: Authentication failed for 'https://***@git.example/r.git/'");
    expect(redactCredentials('ssh://git@h/r and http://a:b@c/d')).toBe(
      'ssh://***@h/r and http://***@c/d',
    );
    expect(redactCredentials('https://git.example/r.git')).toBe('https://git.example/r.git');
  });

  it('accepts network URLs and scp-like ones, refuses the rest without echoing secrets', () => {
    for (const ok of [
      'https://h/r.git',
      'http://127.0.0.1:8418/p/r.git',
      'git://h/r',
      'ssh://git@h/r.git',
      'git@github.com:o/r.git',
    ]) {
      expect(() => checkGitUrl(ok)).not.toThrow();
    }
    for (const bad of [
      'not a url',
      'file:///etc',
      '-uhttps://h/r',
      'https://h',
      'ftp://h/r',
      'ext::sh -c x',
    ]) {
      const err = (() => {
        try {
          checkGitUrl(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(PaddockError);
      expect((err as PaddockError).code).toBe('INVALID_GIT_URL');
    }
    try {
      checkGitUrl('ftp://user:hunter2@h/r');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('names the target directory after the repository', () => {
    expect(repoName('https://h/org/project.git')).toBe('project');
    expect(repoName('https://h/org/project/')).toBe('project');
    expect(repoName('git@h:org/tool.git')).toBe('tool');
  });

  it("maps git's stderr to typed errors", () => {
    const cases: [string, string][] = [
      [
        'warning: Could not find remote branch x to clone.\nfatal: Remote branch x not found in upstream origin',
        'GIT_BRANCH_NOT_FOUND',
      ],
      [
        "fatal: could not read Username for 'http://h': terminal prompts disabled",
        'GIT_AUTH_FAILED',
      ],
      ["fatal: Authentication failed for 'http://***@h/r.git/'", 'GIT_AUTH_FAILED'],
      ["fatal: repository 'http://h/missing.git/' not found", 'GIT_REPOSITORY_NOT_FOUND'],
      ['fatal: remote error: access denied or repository not exported: /x', 'GIT_AUTH_FAILED'],
      [
        "fatal: unable to access 'http://h:1/r.git/': Failed to connect to h port 1: Connection refused",
        'GIT_NETWORK_ERROR',
      ],
      [
        "fatal: unable to access 'https://nx/r.git/': Could not resolve host: nx",
        'GIT_NETWORK_ERROR',
      ],
      ["fatal: destination path 'r' already exists and is not an empty directory.", 'FILE_EXISTS'],
      ['fatal: something else entirely', 'GIT_CLONE_FAILED'],
    ];
    for (const [stderr, code] of cases)
      expect({ stderr, code: classifyGitError(stderr) }).toEqual({ stderr, code });
  });
});
