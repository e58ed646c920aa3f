// babel-preset-taro: https://docs.taro.zone/docs/babel-config
module.exports = {
  presets: [
    ['taro', { framework: 'react', ts: false, compiler: 'webpack5' }],
  ],
};
