'use strict';
// Files through the official SDK (issue 6): a staff user saves `new Parse.File(name, {base64})`, attaches it to
// an XRayLog, fetches it back and downloads `file.url()` byte for byte; a Buffer file goes through the SDK's
// streaming upload (saveBinary). The x-ray is protected: the signed URL works for anyone holding it (that is
// what unchanged SDK clients use), the bare URL needs a session of someone who can read the XRayLog.
const crypto = require('node:crypto');
const { runScenario } = require('../lib/harness');

runScenario(__filename, async ({ Parse, assert, step, runId, rejectsWithCode }) => {
  // patient names in letters only (the dental template refuses digits in names): the run id in letters
  const tag = runId.replace(/[0-9]/g, (digit) => 'ghijklmnop'[Number(digit)]);
  Parse.User.enableUnsafeCurrentUser(); // node: keep the signed-up user current, as a browser app does
  const XRayLog = Parse.Object.extend('XRayLog');
  const Patient = Parse.Object.extend('Patient');
  const result = {};
  const pixels = crypto.randomBytes(70 * 1024); // over one encryption chunk, not a multiple of it
  const image = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pixels]);
  let staff;
  let file;
  let log;

  const download = async (url, headers = {}) => {
    const response = await fetch(url, { headers });
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, body, type: response.headers.get('content-type'),
      nosniff: response.headers.get('x-content-type-options') };
  };
  const bare = (url) => url.split('?')[0];

  await step('staff user signs up', async () => {
    staff = new Parse.User({ username: `staff-${runId}`, password: 'pw-staff-1', email: `staff-${runId}@example.com` });
    await staff.signUp();
    assert.ok(Parse.User.current().getSessionToken());
  });

  result.upload = await step('new Parse.File(name, {base64}).save()', async () => {
    file = new Parse.File('xray.png', { base64: image.toString('base64') }, 'image/png');
    await file.save();
    assert.match(file.name(), /^[0-9a-f]{32}_xray\.png$/);
    assert.ok(file.url().includes('sig='), `protected files get a signed URL: ${file.url()}`);
    return { name: /^[0-9a-f]{32}_xray\.png$/.test(file.name()), signed: file.url().includes('sig=') };
  });

  await step('attach it to an XRayLog readable by the staff user only', async () => {
    const patient = await new Patient({ name: `P ${tag}`, email: `p-${runId}@example.com`, phone: '555' }).save();
    log = new XRayLog({ patient, xrayDate: new Date(), fileUrl: file.url(), image: file });
    log.setACL(new Parse.ACL(staff));
    await log.save();
    assert.ok(log.id);
  });

  result.fetched = await step('fetch the XRayLog and download image.url()', async () => {
    const fetched = await new Parse.Query(XRayLog).get(log.id);
    const fetchedFile = fetched.get('image');
    assert.ok(fetchedFile instanceof Parse.File);
    assert.equal(fetchedFile.name(), file.name());
    const got = await download(fetchedFile.url());
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(image), 'downloaded bytes are identical');
    return { status: got.status, identical: got.body.equals(image), type: got.type, nosniff: got.nosniff };
  });

  result.range = await step('Range request on the x-ray', async () => {
    const response = await fetch(file.url(), { headers: { Range: 'bytes=65530-65545' } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 206);
    assert.ok(body.equals(image.subarray(65530, 65546)));
    return { status: response.status, contentRange: response.headers.get('content-range') };
  });

  result.binary = await step('Buffer file: the SDK streaming upload (X-Parse-Upload-Mode: stream)', async () => {
    const data = crypto.randomBytes(200 * 1024);
    const binary = new Parse.File('scan.bin', data, 'application/octet-stream');
    await binary.save();
    const got = await download(binary.url());
    assert.equal(got.status, 200);
    return { identical: got.body.equals(data), name: /^[0-9a-f]{32}_scan\.bin$/.test(binary.name()) };
  });

  result.sessionDownload = await step('bare URL with the owner session token', async () => {
    const got = await download(bare(file.url()), { 'X-Parse-Session-Token': staff.getSessionToken() });
    return { status: got.status, identical: got.body.equals(image) };
  });

  result.html = await step('an .html upload is refused', async () => {
    const error = await rejectsWithCode(new Parse.File('page.html', { base64: Buffer.from('<script>1</script>')
      .toString('base64') }, 'text/html').save(), Parse.Error.FILE_SAVE_ERROR, 'html upload');
    return error.code;
  });

  result.otherUser = await step('another user cannot read the XRayLog nor download the bare URL', async () => {
    const other = new Parse.User({ username: `other-${runId}`, password: 'pw-other-1', email: `o-${runId}@example.com` });
    await other.signUp();
    const get = await rejectsWithCode(new Parse.Query(XRayLog).get(log.id), Parse.Error.OBJECT_NOT_FOUND, 'get');
    const got = await download(bare(file.url()), { 'X-Parse-Session-Token': other.getSessionToken() });
    await Parse.User.logOut();
    return { get: get.code, download: got.status };
  });

  result.anonymous = await step('anonymous: bare URL refused, signed URL served', async () => {
    const unsigned = await download(bare(file.url()));
    const signed = await download(file.url());
    return { unsigned: unsigned.status, signed: signed.status };
  });

  if (process.env.PARSE_MASTER_KEY) {
    result.destroy = await step('file.destroy() with the master key', async () => {
      await file.destroy({ useMasterKey: true });
      const got = await download(file.url());
      return got.status;
    });
  }
  return result;
});
