import { describe, expect, it } from 'vitest';
import { readSmsConfig, SmsSettingsError } from './config.js';

const watertelEnv = {
  WATERTEL_URL: 'https://api.watertel.example/v2/',
  WATERTEL_USERNAME: 'blipkart',
  WATERTEL_PASSWORD: 'pa55-w0rd',
};
const milioEnv = { MILIO_URL: 'https://milio.example', MILIO_ACCESS_TOKEN: 'milio-token' };

function settingsError(env: Record<string, string | undefined>): SmsSettingsError {
  try {
    readSmsConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SmsSettingsError);
    return error as SmsSettingsError;
  }
  return expect.fail('expected readSmsConfig to throw');
}

describe('readSmsConfig', () => {
  it('defaults to the console provider, India, 140 characters, retries at 0, 2 and 4 s, 5 s timeouts', () => {
    expect(readSmsConfig({})).toEqual({
      providers: [],
      defaultCountry: 'IN',
      maxLength: 140,
      retryDelaysMs: [0, 2000, 4000],
      timeoutMs: 5000,
    });
  });

  it('treats blank variables as unset', () => {
    expect(readSmsConfig({ SMS_PROVIDERS: '  ', SMS_MAX_LENGTH: '', SMS_RETRY_DELAYS_MS: '' })).toEqual(readSmsConfig({}));
  });

  it('reads weighted providers in order, each with its own settings', () => {
    const config = readSmsConfig({ SMS_PROVIDERS: 'watertel:80, Milio:20', ...watertelEnv, ...milioEnv });
    expect(config.providers).toEqual([
      {
        name: 'watertel',
        weight: 80,
        settings: { url: 'https://api.watertel.example/v2', username: 'blipkart', password: 'pa55-w0rd' },
      },
      { name: 'milio', weight: 20, settings: { url: 'https://milio.example', accessToken: 'milio-token' } },
    ]);
  });

  it('ignores the settings of providers that are not listed', () => {
    const config = readSmsConfig({ SMS_PROVIDERS: 'milio:1', ...milioEnv, WATERTEL_URL: 'not a url' });
    expect(config.providers.map((entry) => entry.name)).toEqual(['milio']);
  });

  it('reads the other variables', () => {
    const config = readSmsConfig({
      SMS_DEFAULT_COUNTRY: 'us',
      SMS_MAX_LENGTH: '160',
      SMS_RETRY_DELAYS_MS: '0, 50,100',
      SMS_TIMEOUT_MS: '250',
    });
    expect(config).toMatchObject({ defaultCountry: 'US', maxLength: 160, retryDelaysMs: [0, 50, 100], timeoutMs: 250 });
  });

  it.each([
    [{ SMS_PROVIDERS: 'twilio:100' }, 'SMS_PROVIDERS', /unknown provider "twilio"/],
    [{ SMS_PROVIDERS: 'watertel' }, 'SMS_PROVIDERS', /provider:weight/],
    [{ SMS_PROVIDERS: 'watertel:80,,milio:20' }, 'SMS_PROVIDERS', /provider:weight/],
    [{ SMS_PROVIDERS: 'watertel:0', ...watertelEnv }, 'SMS_PROVIDERS', /weight "0"/],
    [{ SMS_PROVIDERS: 'watertel:-5', ...watertelEnv }, 'SMS_PROVIDERS', /weight "-5"/],
    [{ SMS_PROVIDERS: 'watertel:eighty', ...watertelEnv }, 'SMS_PROVIDERS', /weight "eighty"/],
    [{ SMS_PROVIDERS: 'watertel:1.5', ...watertelEnv }, 'SMS_PROVIDERS', /weight "1.5"/],
    [{ SMS_PROVIDERS: 'milio:1,milio:2', ...milioEnv }, 'SMS_PROVIDERS', /twice/],
    [{ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_URL: undefined }, 'WATERTEL_URL', /required/],
    [{ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_URL: 'ftp://x' }, 'WATERTEL_URL', /http/],
    [{ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_URL: 'watertel' }, 'WATERTEL_URL', /http/],
    [{ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_USERNAME: ' ' }, 'WATERTEL_USERNAME', /required/],
    [{ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_PASSWORD: undefined }, 'WATERTEL_PASSWORD', /required/],
    [{ SMS_PROVIDERS: 'milio:1', MILIO_ACCESS_TOKEN: 't' }, 'MILIO_URL', /required/],
    [{ SMS_PROVIDERS: 'milio:1', MILIO_URL: 'http://m' }, 'MILIO_ACCESS_TOKEN', /required/],
    [{ SMS_RETRY_DELAYS_MS: '0,2s,4s' }, 'SMS_RETRY_DELAYS_MS', /whole numbers/],
    [{ SMS_RETRY_DELAYS_MS: '0,-1' }, 'SMS_RETRY_DELAYS_MS', /whole numbers/],
    [{ SMS_TIMEOUT_MS: 'five' }, 'SMS_TIMEOUT_MS', /whole number/],
    [{ SMS_TIMEOUT_MS: '0' }, 'SMS_TIMEOUT_MS', /at least 1/],
    [{ SMS_MAX_LENGTH: '1e3' }, 'SMS_MAX_LENGTH', /whole number/],
    [{ SMS_DEFAULT_COUNTRY: 'Atlantis' }, 'SMS_DEFAULT_COUNTRY', /ISO 3166/],
    [{ SMS_DEFAULT_COUNTRY: 'XX' }, 'SMS_DEFAULT_COUNTRY', /ISO 3166/],
  ])('refuses %o, naming %s', (env, variable, problem) => {
    const error = settingsError(env);
    expect(error.name).toBe('SmsSettingsError');
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable} `)).toBe(true);
    expect(error.message).toMatch(problem);
  });

  it('never repeats a secret in its errors', () => {
    const error = settingsError({ SMS_PROVIDERS: 'watertel:1', ...watertelEnv, WATERTEL_URL: 'https://user:pa55@' });
    expect(error.message).not.toContain('pa55');
  });
});
