// A page test written in TypeScript against wx-auth/testing's types (testing/index.d.ts):
// it must type-check (tsc --strict); tests/types/run.js also checks misuses fail.
import { launch, createWxSim, SimApp, SimPage } from 'wx-auth/testing';

async function firstLogin(): Promise<string> {
  const app: SimApp = launch({
    root: 'miniprogram',
    sim: {
      domains: ['points.example.com'],
      routes: {
        'GET /api/points': (req, session) => (session ? { statusCode: 200, body: { points: 120, path: req.path } } : { statusCode: 401 }),
      },
    },
  });
  const mine: SimPage = app.open('pages/mine/mine', { from: 'share' });
  await app.settle();
  await mine.tap('#login');
  await mine.agreePrivacy('#agree');
  app.sim.advance(60 * 1000);
  app.sim.failNext('request', { errMsg: 'request:fail timeout', errno: 5 });
  app.sim.backendNext('/api/points', { statusCode: 401, body: { code: 'UNAUTHORIZED' } });
  const logins: number = app.sim.count('login');
  return mine.text('#status') + logins + String(createWxSim({ sdkVersion: '2.26.2' }).now());
}

firstLogin();
