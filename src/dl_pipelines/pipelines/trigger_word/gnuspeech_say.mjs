// Says words with GnuSpeech (npm @echogarden/gnuspeech-wasm), for engines.GnuSpeechEngine.
//
// stdin: {"module": "<path of the package's main file>", "seed": <int>,
//         "requests": [{"text": "...", "voice": "male", "tempo": 1.0, "out": "<wav path>"}]}
// Writes one WAV per request. The synthesiser's glottal noise draws from
// crypto.getRandomValues; a generator seeded from "seed" stands in for it, so that the
// same requests give the same audio in every process.
import { readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const job = JSON.parse(readFileSync(0, 'utf8'))

let state = job.seed | 0
function nextByte() {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0
  let t = Math.imul(state ^ (state >>> 15), 1 | state)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) & 0xff
}
Object.defineProperty(globalThis, 'crypto', {
  value: {
    getRandomValues(view) {
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
      for (let i = 0; i < bytes.length; i++) bytes[i] = nextByte()
      return view
    },
  },
  configurable: true,
})

const { synthesize } = await import(pathToFileURL(job.module).href)
for (const request of job.requests) {
  const { audioData } = await synthesize(request.text, {
    voice: request.voice,
    tempo: request.tempo,
    controlRate: 250,
  })
  writeFileSync(request.out, audioData)
}
