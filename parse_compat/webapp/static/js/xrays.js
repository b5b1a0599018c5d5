// X-rays of a patient: thumbnails and a full-size viewer on the protected (signed) URLs the
// server returns with each read, and an upload with drag-and-drop, progress and the same type
// and size checks as the server's upload policy.
import { h, clear, alertBox, field, formatDate, announce } from './dom.js';
import { plainError } from './errors.js';

// Images a browser shows inline (the server's policy serves these inline; others download).
export const XRAY_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp', 'image/tiff'];

export function checkXrayFile(file, maxBytes) {
  if (!file) return 'Choose an image file first.';
  if (!XRAY_TYPES.includes(file.type)) return 'This file is not an image the app can show. Use PNG, JPEG or WebP.';
  if (file.size === 0) return 'This file is empty.';
  if (maxBytes && file.size > maxBytes) {
    return `This file is too large (${(file.size / 1048576).toFixed(1)} MB). The limit is ${(maxBytes / 1048576).toFixed(0)} MB.`;
  }
  return null;
}

function safeName(name) {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-80);
  return cleaned || 'xray.png';
}

function viewer(xray) {
  const image = xray.get('image');
  const dialog = h('dialog', { class: 'viewer', 'aria-label': `X-ray of ${formatDate(xray.get('xrayDate'))}` },
    h('img', { src: image.url(), alt: `X-ray taken ${formatDate(xray.get('xrayDate'))}, full size` }),
    h('form', { method: 'dialog' }, h('button', { type: 'submit' }, 'Close')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

export async function xraySection(ctx, patient, canWrite) {
  const { app } = ctx;
  const list = h('ul', { class: 'thumbs', 'aria-label': 'X-rays' });
  const element = h('section', { 'aria-labelledby': 'xrays-title' }, h('h2', { id: 'xrays-title' }, 'X-rays'), list);

  async function load() {
    const xrays = await new Parse.Query('XRayLog').equalTo('patient', patient).descending('xrayDate').limit(100).find();
    clear(list);
    if (!xrays.length) list.append(h('li', { class: 'empty' }, 'No x-rays yet.'));
    for (const xray of xrays) {
      const image = xray.get('image');
      const when = formatDate(xray.get('xrayDate'));
      list.append(h('li', {}, image
        ? h('button', { type: 'button', class: 'thumb', onclick: () => viewer(xray), 'aria-label': `Open the x-ray of ${when}` },
          h('img', { src: image.url(), alt: `X-ray taken ${when}`, loading: 'lazy' }), h('span', {}, when))
        : h('span', {}, `${when} (no image)`)));
    }
  }
  await load();
  if (!canWrite) return { element };

  const error = alertBox();
  const input = h('input', { type: 'file', name: 'xray', accept: XRAY_TYPES.join(',') });
  const date = h('input', { type: 'date', name: 'xrayDate', required: true, value: new Date().toISOString().slice(0, 10) });
  const progress = h('progress', { max: '100', value: '0', hidden: true, 'aria-label': 'Upload progress' });
  const zone = h('div', { class: 'dropzone' }, field('X-ray image', input, 'PNG, JPEG or WebP; you can also drop the file here.'));
  const form = h('form', { class: 'card', 'aria-label': 'Upload an x-ray' }, h('h3', {}, 'Upload an x-ray'), error, zone,
    field('Date of the image', date), progress, h('button', { type: 'submit' }, 'Upload x-ray'));
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const file = input.files[0];
    const problem = checkXrayFile(file, app.config.maxUploadSize);
    if (problem) { error.textContent = problem; return; }
    if (!date.value) { error.textContent = 'Give the date the image was taken.'; return; }
    progress.hidden = false;
    progress.value = 0;
    try {
      const parseFile = new Parse.File(safeName(file.name), file, file.type);
      await parseFile.save({ progress: (value) => { if (typeof value === 'number') progress.value = Math.round(value * 100); } });
      const xray = new Parse.Object('XRayLog');
      await xray.save({ patient, image: parseFile, fileUrl: parseFile.name(), xrayDate: new Date(`${date.value}T12:00:00Z`) });
    } catch (err) {
      error.textContent = plainError(err);
      progress.hidden = true;
      return;
    }
    progress.value = 100;
    progress.hidden = true;
    input.value = '';
    await load();
    announce('X-ray uploaded.');
  });
  element.append(form);
  return { element };
}
