export default definePageConfig({
  navigationBarTitleText: 'wx-auth · Taro',
});
