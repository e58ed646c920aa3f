import { useLaunch } from '@tarojs/taro';
import { start } from './wx-auth';

function App({ children }) {
  // The SDK starts once per launch; the page waits on the same Promise.
  useLaunch(() => { start(); });
  return children;
}

export default App;
