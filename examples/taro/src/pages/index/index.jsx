// Log in, an authorized request, log out: the page shows auth.state and nothing else
// decides what it shows.
import { useEffect, useState } from 'react';
import Taro from '@tarojs/taro';
import { View, Text, Button } from '@tarojs/components';
import { errorMessage, stateMessage } from 'wx-auth/messages';
import { auth, API_BASE } from '../../wx-auth';

function errorText(err) {
  return err && err.code ? errorMessage(err) + '（' + err.code + '）' : '出错了：' + String((err && (err.errMsg || err.message)) || err);
}

function toast(err) {
  Taro.showToast({ title: errorMessage(err), icon: 'none' });
}

export default function Index() {
  const [sdk, setSdk] = useState(null);
  const [state, setState] = useState(null);
  const [me, setMe] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [privacyPrompt, setPrivacyPrompt] = useState(false);

  useEffect(() => {
    let unsubscribe = null;
    auth().then((a) => {
      setSdk(a);
      setState(a.state);
      // WeChat asks for the privacy agreement through the SDK: show the agree button.
      a.onPrivacyPrompt(() => setPrivacyPrompt(true));
      unsubscribe = a.onChange((s) => {
        setState(s);
        if (s.kind !== 'logged-in') setMe('');
      });
      // First visit: WeChat's privacy agreement (its own popup when no page listens).
      if (a.state.kind === 'anonymous') a.agreePrivacy().catch((err) => { setError(errorText(err)); toast(err); });
    }, (err) => {
      setError('SDK 加载失败：' + errorText(err));
      toast(err);
    });
    return () => { if (unsubscribe) unsubscribe(); };
  }, []);

  // One action at a time; its failure is shown and toasted, never thrown.
  const run = (action) => {
    if (busy || !sdk) return;
    setBusy(true);
    setError('');
    action().then(() => setBusy(false), (err) => {
      setBusy(false);
      setError(errorText(err));
      toast(err);
    });
  };

  const onAgree = () => {
    setPrivacyPrompt(false);
    sdk.resolvePrivacy({ agree: true, buttonId: 'agree-btn' });
  };
  const onDisagree = () => {
    setPrivacyPrompt(false);
    sdk.resolvePrivacy({ agree: false });
  };
  const onLogin = () => run(() => sdk.login());
  const onLoadMe = () => run(() => sdk.request({ url: API_BASE + '/api/me' }).then((res) => {
    setMe('GET /api/me → ' + res.statusCode + ' ' + (res.statusCode === 200 ? 'openid：' + res.data.openid : JSON.stringify(res.data)));
  }));
  const onLogout = () => run(() => sdk.logout());

  const kind = state ? state.kind : '';
  return (
    <View className='page'>
      <Text className='state'>{state ? stateMessage(state) : (error ? 'SDK 未启动' : '正在启动…')}</Text>
      {privacyPrompt && (
        <View className='privacy'>
          <Text className='privacy-text'>登录前请阅读并同意隐私保护指引</Text>
          <Button id='agree-btn' className='agree' openType='agreePrivacyAuthorization' onAgreePrivacyAuthorization={onAgree}>同意</Button>
          <Button className='disagree' onClick={onDisagree}>拒绝</Button>
        </View>
      )}
      {(kind === 'privacy-agreed' || kind === 'logged-out') && <Button className='login' type='primary' loading={busy} onClick={onLogin}>登录</Button>}
      {kind === 'logged-in' && <Button className='me' onClick={onLoadMe}>请求 /api/me</Button>}
      {kind === 'logged-in' && <Button className='logout' onClick={onLogout}>退出登录</Button>}
      {me && <Text className='me-result'>{me}</Text>}
      {error && <Text className='error'>{error}</Text>}
    </View>
  );
}
