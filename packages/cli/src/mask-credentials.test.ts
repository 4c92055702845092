import { describe, expect, it } from 'vitest';
import { displayUrl, maskCredentials, urlSecrets } from './mask-credentials.js';

describe('maskCredentials', () => {
  it.each([
    ['redis://user:pw@host:6379/0', 'redis://user:***@host:6379/0'],
    ['redis://:pw@host', 'redis://:***@host'],
    ['rediss://default:p%40ss@host', 'rediss://default:***@host'],
    ['redis://only-secret@host', 'redis://***@host'],
    ['redis://:p@ss@host:1', 'redis://:***@host:1'],
    ['redis://host:6379', 'redis://host:6379'],
    [
      'connect to redis://a:b@h1:1,redis://c:d@h2:2 failed',
      'connect to redis://a:***@h1:1,redis://c:***@h2:2 failed',
    ],
    [
      'see https://example.com/path?x=1 and mail@example.com',
      'see https://example.com/path?x=1 and mail@example.com',
    ],
  ])('%s → %s', (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  it('masks the secrets of the URL it was given wherever they appear, in every form', () => {
    const url = 'redis://:pa/ss%21word@host:1';
    const secrets = urlSecrets(url);
    expect(secrets).toEqual(expect.arrayContaining(['pa/ss%21word', 'pa/ss!word', 'pa%2Fss!word']));
    expect(maskCredentials(`bad URL ${url}; AUTH pa/ss!word failed`, secrets)).toBe(
      'bad URL redis://:***@host:1; AUTH *** failed',
    );
    expect(displayUrl('redis://u:p,w@h:1')).toBe('redis://u:***@h:1');
  });

  it('leaves short secrets to the URL pattern rather than garbling the message', () => {
    expect(urlSecrets('redis://:ab@host')).toEqual([]);
    expect(maskCredentials('redis://:ab@host: about', urlSecrets('redis://:ab@host'))).toBe(
      'redis://:***@host: about',
    );
  });
});
