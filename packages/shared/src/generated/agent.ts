import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _vigil_v1_Ack, Ack__Output as _vigil_v1_Ack__Output } from './vigil/v1/Ack.js';
import type { AgentEvent as _vigil_v1_AgentEvent, AgentEvent__Output as _vigil_v1_AgentEvent__Output } from './vigil/v1/AgentEvent.js';
import type { AgentMessage as _vigil_v1_AgentMessage, AgentMessage__Output as _vigil_v1_AgentMessage__Output } from './vigil/v1/AgentMessage.js';
import type { AgentServiceClient as _vigil_v1_AgentServiceClient, AgentServiceDefinition as _vigil_v1_AgentServiceDefinition } from './vigil/v1/AgentService.js';
import type { CheckState as _vigil_v1_CheckState, CheckState__Output as _vigil_v1_CheckState__Output } from './vigil/v1/CheckState.js';
import type { CollectorStatus as _vigil_v1_CollectorStatus, CollectorStatus__Output as _vigil_v1_CollectorStatus__Output } from './vigil/v1/CollectorStatus.js';
import type { CoordinatorMessage as _vigil_v1_CoordinatorMessage, CoordinatorMessage__Output as _vigil_v1_CoordinatorMessage__Output } from './vigil/v1/CoordinatorMessage.js';
import type { Cpu as _vigil_v1_Cpu, Cpu__Output as _vigil_v1_Cpu__Output } from './vigil/v1/Cpu.js';
import type { DeclaredService as _vigil_v1_DeclaredService, DeclaredService__Output as _vigil_v1_DeclaredService__Output } from './vigil/v1/DeclaredService.js';
import type { Echo as _vigil_v1_Echo, Echo__Output as _vigil_v1_Echo__Output } from './vigil/v1/Echo.js';
import type { EchoReply as _vigil_v1_EchoReply, EchoReply__Output as _vigil_v1_EchoReply__Output } from './vigil/v1/EchoReply.js';
import type { ErrorRate as _vigil_v1_ErrorRate, ErrorRate__Output as _vigil_v1_ErrorRate__Output } from './vigil/v1/ErrorRate.js';
import type { EventAck as _vigil_v1_EventAck, EventAck__Output as _vigil_v1_EventAck__Output } from './vigil/v1/EventAck.js';
import type { Filesystem as _vigil_v1_Filesystem, Filesystem__Output as _vigil_v1_Filesystem__Output } from './vigil/v1/Filesystem.js';
import type { Goodbye as _vigil_v1_Goodbye, Goodbye__Output as _vigil_v1_Goodbye__Output } from './vigil/v1/Goodbye.js';
import type { Heartbeat as _vigil_v1_Heartbeat, Heartbeat__Output as _vigil_v1_Heartbeat__Output } from './vigil/v1/Heartbeat.js';
import type { Hello as _vigil_v1_Hello, Hello__Output as _vigil_v1_Hello__Output } from './vigil/v1/Hello.js';
import type { Liveness as _vigil_v1_Liveness, Liveness__Output as _vigil_v1_Liveness__Output } from './vigil/v1/Liveness.js';
import type { LivenessGrant as _vigil_v1_LivenessGrant, LivenessGrant__Output as _vigil_v1_LivenessGrant__Output } from './vigil/v1/LivenessGrant.js';
import type { LogFinding as _vigil_v1_LogFinding, LogFinding__Output as _vigil_v1_LogFinding__Output } from './vigil/v1/LogFinding.js';
import type { Memory as _vigil_v1_Memory, Memory__Output as _vigil_v1_Memory__Output } from './vigil/v1/Memory.js';
import type { NetworkInterface as _vigil_v1_NetworkInterface, NetworkInterface__Output as _vigil_v1_NetworkInterface__Output } from './vigil/v1/NetworkInterface.js';
import type { OsInfo as _vigil_v1_OsInfo, OsInfo__Output as _vigil_v1_OsInfo__Output } from './vigil/v1/OsInfo.js';
import type { ProbeRequest as _vigil_v1_ProbeRequest, ProbeRequest__Output as _vigil_v1_ProbeRequest__Output } from './vigil/v1/ProbeRequest.js';
import type { ProbeResult as _vigil_v1_ProbeResult, ProbeResult__Output as _vigil_v1_ProbeResult__Output } from './vigil/v1/ProbeResult.js';
import type { RecoverRequest as _vigil_v1_RecoverRequest, RecoverRequest__Output as _vigil_v1_RecoverRequest__Output } from './vigil/v1/RecoverRequest.js';
import type { RequestResult as _vigil_v1_RequestResult, RequestResult__Output as _vigil_v1_RequestResult__Output } from './vigil/v1/RequestResult.js';
import type { ResourceSample as _vigil_v1_ResourceSample, ResourceSample__Output as _vigil_v1_ResourceSample__Output } from './vigil/v1/ResourceSample.js';
import type { ServiceAction as _vigil_v1_ServiceAction, ServiceAction__Output as _vigil_v1_ServiceAction__Output } from './vigil/v1/ServiceAction.js';
import type { ServiceStatus as _vigil_v1_ServiceStatus, ServiceStatus__Output as _vigil_v1_ServiceStatus__Output } from './vigil/v1/ServiceStatus.js';
import type { Welcome as _vigil_v1_Welcome, Welcome__Output as _vigil_v1_Welcome__Output } from './vigil/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  vigil: {
    v1: {
      Ack: MessageTypeDefinition<_vigil_v1_Ack, _vigil_v1_Ack__Output>
      AgentEvent: MessageTypeDefinition<_vigil_v1_AgentEvent, _vigil_v1_AgentEvent__Output>
      AgentMessage: MessageTypeDefinition<_vigil_v1_AgentMessage, _vigil_v1_AgentMessage__Output>
      AgentService: SubtypeConstructor<typeof grpc.Client, _vigil_v1_AgentServiceClient> & { service: _vigil_v1_AgentServiceDefinition }
      CheckState: MessageTypeDefinition<_vigil_v1_CheckState, _vigil_v1_CheckState__Output>
      CollectorStatus: MessageTypeDefinition<_vigil_v1_CollectorStatus, _vigil_v1_CollectorStatus__Output>
      CoordinatorMessage: MessageTypeDefinition<_vigil_v1_CoordinatorMessage, _vigil_v1_CoordinatorMessage__Output>
      Cpu: MessageTypeDefinition<_vigil_v1_Cpu, _vigil_v1_Cpu__Output>
      DeclaredService: MessageTypeDefinition<_vigil_v1_DeclaredService, _vigil_v1_DeclaredService__Output>
      Echo: MessageTypeDefinition<_vigil_v1_Echo, _vigil_v1_Echo__Output>
      EchoReply: MessageTypeDefinition<_vigil_v1_EchoReply, _vigil_v1_EchoReply__Output>
      ErrorRate: MessageTypeDefinition<_vigil_v1_ErrorRate, _vigil_v1_ErrorRate__Output>
      EventAck: MessageTypeDefinition<_vigil_v1_EventAck, _vigil_v1_EventAck__Output>
      Filesystem: MessageTypeDefinition<_vigil_v1_Filesystem, _vigil_v1_Filesystem__Output>
      Goodbye: MessageTypeDefinition<_vigil_v1_Goodbye, _vigil_v1_Goodbye__Output>
      Heartbeat: MessageTypeDefinition<_vigil_v1_Heartbeat, _vigil_v1_Heartbeat__Output>
      Hello: MessageTypeDefinition<_vigil_v1_Hello, _vigil_v1_Hello__Output>
      Liveness: MessageTypeDefinition<_vigil_v1_Liveness, _vigil_v1_Liveness__Output>
      LivenessGrant: MessageTypeDefinition<_vigil_v1_LivenessGrant, _vigil_v1_LivenessGrant__Output>
      LogFinding: MessageTypeDefinition<_vigil_v1_LogFinding, _vigil_v1_LogFinding__Output>
      Memory: MessageTypeDefinition<_vigil_v1_Memory, _vigil_v1_Memory__Output>
      NetworkInterface: MessageTypeDefinition<_vigil_v1_NetworkInterface, _vigil_v1_NetworkInterface__Output>
      OsInfo: MessageTypeDefinition<_vigil_v1_OsInfo, _vigil_v1_OsInfo__Output>
      ProbeRequest: MessageTypeDefinition<_vigil_v1_ProbeRequest, _vigil_v1_ProbeRequest__Output>
      ProbeResult: MessageTypeDefinition<_vigil_v1_ProbeResult, _vigil_v1_ProbeResult__Output>
      RecoverRequest: MessageTypeDefinition<_vigil_v1_RecoverRequest, _vigil_v1_RecoverRequest__Output>
      RequestResult: MessageTypeDefinition<_vigil_v1_RequestResult, _vigil_v1_RequestResult__Output>
      ResourceSample: MessageTypeDefinition<_vigil_v1_ResourceSample, _vigil_v1_ResourceSample__Output>
      ServiceAction: MessageTypeDefinition<_vigil_v1_ServiceAction, _vigil_v1_ServiceAction__Output>
      ServiceStatus: MessageTypeDefinition<_vigil_v1_ServiceStatus, _vigil_v1_ServiceStatus__Output>
      Welcome: MessageTypeDefinition<_vigil_v1_Welcome, _vigil_v1_Welcome__Output>
    }
  }
}

