#!/usr/bin/env python3
"""Writes the seed inputs of the structured targets as corpus/<target>/<name>.seed.

Those targets read an `arbitrary`-derived struct, so a seed is the bytes that
arbitrary 1.x turns into the wanted struct: integers little-endian, a bool/Option tag
as one byte, an enum as a u32 scaled to the variant count, a string's length as one
byte taken from the END of the input (inputs stay under 256 bytes), and the last
field's string as the rest. Check a seed with `cargo +nightly fuzz fmt <target> <file>`.
record_decode's seeds are plain record texts, written by hand.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

class Enc:
    """Builds one input: field contents go at the front, string lengths at the back."""

    def __init__(self):
        self.front = b""
        self.lengths = []

    def u16(self, v):
        self.front += struct.pack("<H", v)
        return self

    def u64(self, v):
        self.front += struct.pack("<Q", v)
        return self

    def i64(self, v):
        self.front += struct.pack("<q", v)
        return self

    def opt(self, present):
        self.front += bytes([1 if present else 0])
        return self

    def enum(self, index, count):
        self.front += struct.pack("<I", 0 if index == 0 else (index << 32) // count + 1)
        return self

    def str(self, text):
        data = text.encode()
        self.front += data
        self.lengths.append(len(data))
        return self

    def rest(self, text):
        self.front += text.encode()
        return self

    def encoded(self):
        out = self.front + bytes(reversed(self.lengths))
        assert len(out) <= 256, len(out)
        return out


def write(target, name, enc):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".seed"), "wb") as f:
        f.write(enc.encoded())


# login_reply: status u16, body String, sent_at u64, code String(last)
T=1700000000000
for name,st,body,code in [
  ('ok',200,'{"token":"abc","expiresIn":7200}','0a3Xyz9fGhKlMnOpQrStUvWx12345678'),
  ('ok-jwt',200,'{"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","expiresIn":86400,"extra":1}','081abc'),
  ('refused',400,'{"code":"INVALID_CODE","message":"code been used"}','081abc'),
  ('refused-numeric',401,'{"code":40029,"message":"invalid code"}','c'),
  ('busy',503,'busy','c'),
  ('html',502,'<html><body>Bad Gateway</body></html>','c'),
  ('float-expiry',200,'{"token":"abc","expiresIn":1e300}','a"b'),
  ('redirect',302,'','c'),
]:
    write('login_reply',name,Enc().u16(st).str(body).u64(T).rest(code))

# wx_failure: err_msg String, errno Option<i64>, api String, rest String(last)
for name,msg,errno,api,rest in [
  ('login-timeout','login:fail timeout',5,'login',' timeout'),
  ('profile-deny','getUserProfile:fail auth deny',None,'getUserProfile',' auth deny'),
  ('authorize-12006','authorize:fail -12006,auth deny',None,'authorize',''),
  ('tap','getUserProfile:fail can only be invoked by user TAP gesture.',None,'getUserProfile',''),
  ('privacy-104','requirePrivacyAuthorize:fail privacy permission is not authorized',104,'requirePrivacyAuthorize',''),
  ('not-found','getStorage:fail data not found',None,'getStorage',' data not found'),
  ('interrupted','request:fail interrupted',600003,'request',' interrupted'),
  ('domain-list','request:fail url not in domain list',600002,'request',''),
  ('ok','login:ok',None,'login',''),
]:
    e=Enc().str(msg).opt(errno is not None)
    if errno is not None: e.i64(errno)
    write('wx_failure',name,e.str(api).rest(rest))

# inputs: version, method, nick_name, avatar_url String; patch_nick_name, patch_avatar_url Option<String>(last)
for name,ver,meth,nick,avatar,pn,pa in [
  ('first-profile','2.32.3','POST','小明','https://thirdwx.qlogo.cn/mmopen/vi_32/a/132',None,'wxfile://tmp_b.png'),
  ('patch-nick','3.1','get',' 小明 ','wxfile://tmp_a.png','Ann',None),
  ('both','2.21.3','DELETE','Ann','http://tmp/a.png','Bob','http://tmp/b.png'),
  ('bad','99999999999.0.0','PATCH','  ','https://a b','a\u0000b',''),
]:
    e=Enc().str(ver).str(meth).str(nick).str(avatar).opt(pn is not None)
    if pn is not None: e.str(pn)
    e.opt(pa is not None)
    if pa is not None: e.str(pa)
    write('inputs',name,e)

# record_encode: kind enum{ProfileGranted, LoggedIn, LoggedOut(Reason{User,Expired,Revoked})},
# profile Option<(String,String)>, token String, issued_at u64, expires_at u64(last)
for name,kind,reason,prof,tok,iss,exp in [
  ('profile-granted',0,None,('小明','wxfile://tmp_a.png'),'',0,0),
  ('logged-in',1,None,None,'abc',T,T+7200000),
  ('logged-in-profile',1,None,('Ann','https://a/1.png'),'eyJ.e30.sig',1,9),
  ('logged-out-user',2,0,None,'',0,0),
  ('logged-out-revoked',2,2,(' Ann ','http://tmp/a.png'),'',0,0),
]:
    e=Enc().enum(kind,3)
    if reason is not None: e.enum(reason,3)
    e.opt(prof is not None)
    if prof: e.str(prof[0]).str(prof[1])
    write('record_encode',name,e.str(tok).u64(iss).u64(exp))
