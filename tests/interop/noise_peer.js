'use strict'
// One Noise_XX_25519_ChaChaPoly_BLAKE2b peer built on the independent
// noise-protocol package (npm, by emilbayes), driven by
// tests/unit/noise_interop_test.cc over stdin/stdout: no sockets.
//
// Usage: node noise_peer.js <node_modules dir holding noise-protocol>
//
// Line protocol, one reply line per command line; bytes travel as hex ('' is
// empty). Any failure replies "error <reason>" and leaves the peer running,
// so the test can see a rejection and go on.
//   (startup)                              -> ready <noise-protocol version>
//                                             | unavailable <reason> (then exits)
//   init <initiator|responder> <prologue> <static public> <static secret>
//                                          -> ok
//   write <payload>                        -> msg <handshake message>
//   read <handshake message>               -> payload <payload>
//   done                                   -> done <handshake hash> <remote static>
//   encrypt <plaintext>                    -> msg <transport message>
//   decrypt <transport message>            -> plain <plaintext>
//
// No XXpsk0 here: noise-protocol 3.x supports no psk token (its README lists
// PSK patterns as unsupported), so only plain XX can be checked against it.

const path = require('path')
const readline = require('readline')

const MAX_MESSAGE = 65535 // Noise spec §3
const MACLEN = 16

function reply (line) {
  process.stdout.write(line + '\n') // synchronous for pipes on Linux
}

let noise, cipherState, symmetricState, version
try {
  const root = path.join(path.resolve(process.argv[2] || '.'), 'noise-protocol')
  version = require(path.join(root, 'package.json')).version
  noise = require(root)
  // The public API returns the split CipherStates as raw buffers and points
  // to cipher-state.js for using them; the handshake hash has no public
  // getter, so symmetric-state.js's own is used rather than its byte layout.
  const dh = require(path.join(root, 'dh'))()
  const hash = require(path.join(root, 'hash'))({ dh })
  const cipher = require(path.join(root, 'cipher'))()
  cipherState = require(path.join(root, 'cipher-state'))({ cipher })
  symmetricState = require(path.join(root, 'symmetric-state'))({ hash, cipherState })
} catch (err) {
  reply('unavailable noise-protocol does not load: ' + oneLine(err))
  process.exit(0)
}

function oneLine (err) {
  return String(err && err.message ? err.message : err).replace(/\s+/g, ' ')
}

function unhex (s) {
  if (s === undefined) s = ''
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error('bad hex from the test')
  return Buffer.from(s, 'hex')
}

let hs = null // the HandshakeState until it is complete
let handshakeHash = null
let remoteStatic = null
let transport = null // { tx, rx } CipherState buffers after the split
const noAd = Buffer.alloc(0) // transport messages have empty associated data

// The last handshake message splits; keep what the test asks about after it.
function finishIfSplit (split) {
  if (!split) return
  handshakeHash = Buffer.alloc(64)
  symmetricState.getHandshakeHash(hs.symmetricState, handshakeHash)
  remoteStatic = Buffer.from(hs.rs)
  transport = split
  noise.destroy(hs)
  hs = null
}

const commands = {
  init (role, prologue, spub, ssec) {
    if (role !== 'initiator' && role !== 'responder') throw new Error('bad role')
    const s = { publicKey: unhex(spub), secretKey: unhex(ssec) }
    hs = noise.initialize('XX', role === 'initiator', unhex(prologue), s)
    return 'ok'
  },
  write (payload) {
    if (!hs) throw new Error('no handshake in progress')
    const out = Buffer.alloc(MAX_MESSAGE)
    const split = noise.writeMessage(hs, unhex(payload), out)
    const msg = out.subarray(0, noise.writeMessage.bytes).toString('hex')
    finishIfSplit(split)
    return 'msg ' + msg
  },
  read (message) {
    if (!hs) throw new Error('no handshake in progress')
    const out = Buffer.alloc(MAX_MESSAGE)
    const split = noise.readMessage(hs, unhex(message), out)
    const payload = out.subarray(0, noise.readMessage.bytes).toString('hex')
    finishIfSplit(split)
    return 'payload ' + payload
  },
  done () {
    if (!transport) throw new Error('handshake not complete')
    return 'done ' + handshakeHash.toString('hex') + ' ' + remoteStatic.toString('hex')
  },
  encrypt (plaintext) {
    if (!transport) throw new Error('handshake not complete')
    const pt = unhex(plaintext)
    const out = Buffer.alloc(pt.length + MACLEN)
    cipherState.encryptWithAd(transport.tx, out, noAd, pt)
    return 'msg ' + out.subarray(0, cipherState.encryptWithAd.bytesWritten).toString('hex')
  },
  decrypt (message) {
    if (!transport) throw new Error('handshake not complete')
    const ct = unhex(message)
    if (ct.length < MACLEN) throw new Error('shorter than a tag')
    const out = Buffer.alloc(ct.length - MACLEN)
    cipherState.decryptWithAd(transport.rx, out, noAd, ct)
    return 'plain ' + out.subarray(0, cipherState.decryptWithAd.bytesWritten).toString('hex')
  }
}

reply('ready ' + version)

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', (line) => {
  const [name, ...args] = line.split(' ')
  try {
    if (!Object.prototype.hasOwnProperty.call(commands, name)) throw new Error('unknown command')
    reply(commands[name](...args))
  } catch (err) {
    reply('error ' + name + ': ' + oneLine(err))
  }
})
// The test closing our stdin is the signal to go.
lines.on('close', () => process.exit(0))
